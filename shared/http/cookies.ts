import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** A request cookie's value (HTTP API passes them apart from the headers). */
export function cookieOf(request: APIGatewayProxyEventV2, name: string): string | undefined {
  for (const cookie of request.cookies ?? []) {
    const split = cookie.indexOf('=');
    if (split > 0 && cookie.slice(0, split).trim() === name) return cookie.slice(split + 1).trim();
  }
  return undefined;
}

/**
 * A `__Host-` cookie: sent over HTTPS alone, to this host alone (no Domain), for every
 * path, never readable by script, and not on cross-site subrequests or posts.
 */
export function hostCookie(name: `__Host-${string}`, value: string, maxAgeSeconds?: number) {
  return [
    `${name}=${value}`,
    'Path=/',
    'Secure',
    'HttpOnly',
    'SameSite=Lax',
    ...(maxAgeSeconds === undefined ? [] : [`Max-Age=${maxAgeSeconds}`]),
  ].join('; ');
}

/** Tells the browser to forget a `__Host-` cookie. */
export const expiredHostCookie = (name: `__Host-${string}`) => hostCookie(name, '', 0);
