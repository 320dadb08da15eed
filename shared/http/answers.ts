import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ProblemDetails } from './problem.ts';

/** What a handler answers: status, headers and body, as HTTP API takes them. */
export type Answer = APIGatewayProxyStructuredResultV2;
type Headers = Readonly<Record<string, string>>;

/** For answers about one caller's data, or that change with every request. */
export const NO_STORE = { 'cache-control': 'no-store' } as const;

/** A body of any media type, with its headers. */
export function bodyAnswer(
  statusCode: number,
  contentType: string,
  body: string,
  headers: Headers = {},
): Answer {
  return { statusCode, headers: { 'content-type': contentType, ...headers }, body };
}

/** A JSON answer. */
export function jsonAnswer(statusCode: number, body: unknown, headers: Headers = {}): Answer {
  return bodyAnswer(statusCode, 'application/json', JSON.stringify(body), headers);
}

/** An RFC 9457 problem details answer; a refusal is never cached. */
export function problemAnswer(problem: ProblemDetails): Answer {
  return bodyAnswer(problem.status, 'application/problem+json', JSON.stringify(problem), NO_STORE);
}

/**
 * What every page is sent with besides its content security policy: its URL (a survey
 * token) never leaks onwards in a Referer, and it is never framed, sniffed or cached.
 */
const PAGE_HEADERS = {
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
} as const;

/** An HTML page, under its own content security policy and the page headers. */
export function htmlAnswer(
  statusCode: number,
  html: string,
  contentSecurityPolicy: string,
): Answer {
  return bodyAnswer(statusCode, 'text/html; charset=utf-8', html, {
    'content-security-policy': contentSecurityPolicy,
    ...PAGE_HEADERS,
  });
}

/** An XML document (TwiML for the SMS gateway); never cached. */
export function xmlAnswer(statusCode: number, xml: string): Answer {
  return bodyAnswer(statusCode, 'text/xml; charset=utf-8', xml, NO_STORE);
}

/** A redirect (303 after a form post, 302 to a download); never cached. */
export function redirectAnswer(statusCode: 302 | 303, location: string): Answer {
  return { statusCode, headers: { location, ...NO_STORE }, body: '' };
}
