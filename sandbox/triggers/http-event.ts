import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

const TEXT_TYPES = /^(text\/|application\/(json|problem\+json|xml|x-www-form-urlencoded))/i;

export interface HttpRequestInput {
  method: string;
  /** Path with query string, as the client sent it: `/webhooks/complaints/crm?x=1`. */
  path: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
  routeKey: string;
  pathParameters?: Record<string, string>;
  /** Force base64 for a text body, as API Gateway may do; binary bodies always are. */
  forceBase64?: boolean;
  sourceIp?: string;
}

/**
 * An HTTP API payload format 2.0 event for a request, as API Gateway builds it: lower-case
 * headers, cookies apart, query string parsed, the body base64-encoded unless it is text.
 */
export function toHttpApiEvent(input: HttpRequestInput): APIGatewayProxyEventV2 {
  const url = new URL(input.path, 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const cookies = headers.cookie?.split(';').map((cookie) => cookie.trim());
  delete headers.cookie;
  const contentType = headers['content-type'] ?? '';
  // A text body that is not valid UTF-8 could not pass as text unchanged: API Gateway
  // base64-encodes it, so the function still sees (and verifies) the bytes as sent.
  const base64 =
    input.forceBase64 === true ||
    (input.body.length > 0 && (!TEXT_TYPES.test(contentType) || !isUtf8(input.body)));
  const queryStringParameters: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    queryStringParameters[key] =
      key in queryStringParameters ? `${queryStringParameters[key]},${value}` : value;
  }
  const now = new Date();
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: input.method.toUpperCase(),
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: input.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    ...(input.body.length > 0 ? { body: input.body.toString(base64 ? 'base64' : 'utf8') } : {}),
    isBase64Encoded: base64,
  };
}
