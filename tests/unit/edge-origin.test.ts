import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { EDGE_ORIGIN_HEADER, edgeOriginOnly } from '#shared/http/edge-origin.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { formParamsOf } from '#shared/http/request-body.ts';
import { verifyTwilioSignature } from '#shared/http/twilio-signature.ts';

const current = 'edge-current-value-0123456789abcdef0123456789ab';
const previous = 'edge-previous-value-0123456789abcdef0123456789a';

/** A public route's handler behind the edge check, as the survey page and SMS webhook chain it. */
async function call(
  headers: Record<string, string>,
  values: readonly string[] | undefined,
  body = '',
) {
  let reached: APIGatewayProxyEventV2 | undefined;
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(problemDetailsOnError())
    .use(edgeOriginOnly(values ? async () => values : undefined))
    .handler(async (event) => {
      reached = event;
      return { statusCode: 200, body: 'page' };
    });
  const event = {
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', sourceIp: '130.176.0.1' } },
  } as unknown as APIGatewayProxyEventV2;
  const answer = await handler(event, {} as Context);
  return { answer, reached };
}

describe('edge origin check', () => {
  it('lets a request through when the deployment has no edge', async () => {
    const { answer, reached } = await call({}, undefined);

    expect(reached).toBeDefined();
    expect(answer.statusCode).toBe(200);
  });

  it.each([
    ['the current value', current],
    ['the previous value, during a rotation', previous],
  ])('lets a request through that carries %s', async (_name, value) => {
    const { answer, reached } = await call({ [EDGE_ORIGIN_HEADER]: value }, [current, previous]);

    expect(reached).toBeDefined();
    expect(answer.statusCode).toBe(200);
  });

  it.each([
    ['no header (straight to the API URL)', {}],
    ['a wrong value of the same length', { [EDGE_ORIGIN_HEADER]: current.replace('e', 'f') }],
    ['a shorter value', { [EDGE_ORIGIN_HEADER]: current.slice(0, 10) }],
    ['an empty value', { [EDGE_ORIGIN_HEADER]: '' }],
    ['the value under another header name', { 'x-origin-verified': current }],
  ])('refuses %s with 403 not-through-edge, before the handler runs', async (_name, headers) => {
    const { answer, reached } = await call(headers, [current]);

    expect(reached).toBeUndefined();
    expect(answer.statusCode).toBe(403);
    expect(answer.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(String(answer.body))).toMatchObject({
      type: 'urn:telecom-service-quality:problem:not-through-edge',
      status: 403,
    });
  });

  it('keeps a Twilio signature of the public URL valid on the request CloudFront passes on', async () => {
    // Prepare: the gateway signs the edge's URL, which SMS_INBOUND_URL names; CloudFront
    // passes the body and the viewer's headers on, adds its own and sets the API's Host.
    const authToken = 'a3f1c9e2b7d84f6a9c0e1b2d3f4a5b6c';
    const publicUrl = 'https://surveys.operator.example/sms/inbound';
    const params = {
      MessageSid: 'SM8f2c1d9e0a7b6c5d4e3f2a1b0c9d8e7f',
      From: '+8613800138000',
      To: '+8610690000',
      Body: '5',
    };
    const forwarded = {
      host: 'abc123.execute-api.ap-east-1.amazonaws.com',
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, publicUrl, params),
      'x-forwarded-for': '54.172.60.1, 130.176.0.1',
      via: '2.0 abc.cloudfront.net (CloudFront)',
      [EDGE_ORIGIN_HEADER]: current,
    };

    // Act
    const { reached } = await call(forwarded, [current], new URLSearchParams(params).toString());

    // Assess: verified against the configured public URL, not the Host the origin sees.
    expect(reached).toBeDefined();
    const received = formParamsOf(reached as APIGatewayProxyEventV2);
    const verify = (url: string) =>
      verifyTwilioSignature({
        authToken,
        url,
        params: received,
        signature: reached?.headers['x-twilio-signature'],
      });
    expect(verify(publicUrl)).toBe(true);
    expect(verify(`https://${forwarded.host}/sms/inbound`)).toBe(false);
  });
});
