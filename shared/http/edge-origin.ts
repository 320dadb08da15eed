import { timingSafeEqual } from 'node:crypto';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { problemAnswer } from './answers.ts';
import { NotThroughEdgeError } from './problem.ts';

/**
 * The header CloudFront adds to every request it passes to the HTTP API (an origin custom
 * header, which replaces any a viewer sent under the same name).
 */
export const EDGE_ORIGIN_HEADER = 'x-origin-verify';

const same = (expected: string, given: string) => {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * Answers 403 `not-through-edge` to a request that lacks the edge's header value (the
 * current one, or the previous during a rotation), before the handler runs: a request
 * straight to the HTTP API's own URL would pass around the web ACL. No reader: the
 * deployment has no edge, and every request goes on. The answer is returned here rather
 * than thrown, so that routes without the problem middleware (the portal) refuse alike.
 */
export function edgeOriginOnly(
  readValues: (() => Promise<readonly string[]>) | undefined,
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    before: async (request) => {
      if (!readValues) return;
      const given = request.event.headers?.[EDGE_ORIGIN_HEADER] ?? '';
      const values = await readValues();
      if (given !== '' && values.some((value) => same(value, given))) return;
      return problemAnswer(new NotThroughEdgeError().problem);
    },
  };
}
