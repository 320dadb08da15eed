import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../powertools/logger.ts';
import { problemAnswer } from './answers.ts';
import { internalErrorProblem, refusalOf } from './problem.ts';

/**
 * The one place errors become HTTP answers: a known refusal (an HTTP one, or a domain or
 * infrastructure error that refusalOf maps) becomes its problem details, anything else a
 * bare 500 (logged here, never echoed to the caller). Attach it last.
 */
export function problemDetailsOnError(): MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2
> {
  return {
    onError: async (request) => {
      const { error } = request;
      const refusal = refusalOf(error);
      if (refusal) {
        logger.info('request refused', { status: refusal.problem.status, problem: refusal.name });
        request.response = problemAnswer(refusal.problem);
        return;
      }
      logger.error('request failed', error instanceof Error ? error : String(error));
      request.response = problemAnswer(internalErrorProblem);
    },
  };
}
