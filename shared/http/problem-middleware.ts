import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../powertools/logger.ts';
import { HttpProblemError, internalErrorProblem, problemResponse } from './problem.ts';

/**
 * The one place errors become HTTP answers: a known refusal becomes its problem details,
 * anything else a bare 500 (logged here, never echoed to the caller). Attach it last.
 */
export function problemDetailsOnError(): MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2
> {
  return {
    onError: async (request) => {
      const { error } = request;
      if (error instanceof HttpProblemError) {
        logger.info('request refused', { status: error.problem.status, problem: error.name });
        request.response = problemResponse(error.problem);
        return;
      }
      logger.error('request failed', error instanceof Error ? error : String(error));
      request.response = problemResponse(internalErrorProblem);
    },
  };
}
