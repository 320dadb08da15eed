import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import {
  cidrProblem,
  operatorSourcesOnly,
  sourceAllowList,
} from '#shared/http/source-allow-list.ts';

/** An operator route's handler behind the allow-list, as the intake functions chain it. */
async function callFrom(sourceIp: string, cidrs: readonly string[]) {
  let reached = false;
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(problemDetailsOnError())
    .use(operatorSourcesOnly(cidrs))
    .handler(async () => {
      reached = true;
      return { statusCode: 202, body: '{"accepted":1}' };
    });
  const event = { requestContext: { http: { sourceIp } } } as APIGatewayProxyEventV2;
  const answer = await handler(event, {} as Context);
  return { answer, reached };
}

describe('operator source allow-list', () => {
  const operator = ['203.0.113.0/24', '2001:db8:42::/48'];

  it.each([
    ['203.0.113.7', true],
    ['::ffff:203.0.113.7', true],
    ['2001:db8:42::1', true],
    ['203.0.114.7', false],
    ['198.51.100.1', false],
    ['2001:db8:43::1', false],
    ['', false],
    ['not-an-address', false],
  ])('admits %s: %s', (address, admitted) => {
    expect(sourceAllowList(operator)(address)).toBe(admitted);
  });

  it('refuses a caller outside the networks with 403 problem details, before the handler runs', async () => {
    const { answer, reached } = await callFrom('198.51.100.1', operator);

    expect(reached).toBe(false);
    expect(answer.statusCode).toBe(403);
    expect(answer.headers?.['Content-Type'] ?? answer.headers?.['content-type']).toMatch(
      /application\/problem\+json/,
    );
    expect(JSON.parse(String(answer.body))).toMatchObject({
      type: 'urn:telecom-service-quality:problem:source-not-allowed',
      status: 403,
    });
  });

  it('lets a caller inside the networks through, and any caller when none are named', async () => {
    expect((await callFrom('203.0.113.9', operator)).answer.statusCode).toBe(202);
    expect((await callFrom('198.51.100.1', [])).answer.statusCode).toBe(202);
  });

  it.each(['203.0.113.0', '203.0.113.0/33', 'example.com/24', '203.0.113.0/24/1', '::/129'])(
    'names what is wrong with %s',
    (cidr) => {
      expect(cidrProblem(cidr)).toBeDefined();
    },
  );
});
