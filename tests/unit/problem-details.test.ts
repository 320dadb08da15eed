import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '#shared/adapters/errors.ts';
import { NotFoundError } from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';

/** A handler behind the middleware that fails with `error`, and its answer. */
async function answerTo(error: unknown): Promise<APIGatewayProxyStructuredResultV2> {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(problemDetailsOnError())
    .handler(async () => {
      throw error;
    });
  return handler({} as APIGatewayProxyEventV2, {} as Context);
}

describe('problemDetailsOnError', () => {
  it.each([
    {
      what: 'an HTTP refusal',
      error: new NotFoundError('There is no report r-1.'),
      problem: {
        type: 'urn:telecom-service-quality:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: 'There is no report r-1.',
      },
    },
    {
      what: "an adapter's dependency refusal",
      error: new DependencyUnavailableError('The events could not be queued; retry the request.'),
      problem: {
        type: 'urn:telecom-service-quality:problem:unavailable',
        title: 'Service unavailable',
        status: 503,
        detail: 'The events could not be queued; retry the request.',
      },
    },
  ])('answers $what with its problem details, never cached', async ({ error, problem }) => {
    const response = await answerTo(error);

    expect(response.statusCode).toBe(problem.status);
    expect(response.headers).toEqual({
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
    });
    expect(JSON.parse(String(response.body))).toEqual(problem);
  });

  it('answers anything else with a bare 500 that does not echo the error', async () => {
    const response = await answerTo(new Error('table tsq-dev-surveys: secret detail'));

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret detail');
    expect(JSON.parse(String(response.body))).toMatchObject({
      type: 'urn:telecom-service-quality:problem:internal',
      status: 500,
    });
  });
});
