import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { logger } from '../powertools/logger.ts';
import {
  PayloadTooLargeError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './problem.ts';
import { verifySignature } from './signature.ts';

/** Bodies over 64 KiB are refused (docs/design.md §3). */
export const MAX_BODY_BYTES = 64 * 1024;

/** The body exactly as the caller sent it: HTTP API may have base64-encoded it. */
export function rawBodyOf(request: APIGatewayProxyEventV2): Buffer {
  if (request.body === undefined) return Buffer.alloc(0);
  return Buffer.from(request.body, request.isBase64Encoded ? 'base64' : 'utf8');
}

/** A source that may sign requests, with its active secrets (two during rotation). */
export interface SigningSource {
  source: string;
  secrets: readonly string[];
}

/**
 * Reads an HMAC-signed JSON request (docs/design.md §4.1) in the order that costs an attacker
 * most and us least: size (413), signature (401), media type (415), JSON syntax (400).
 * Every candidate source is checked, and the one whose secret signed it is answered.
 */
export async function readSignedJsonBody(
  request: APIGatewayProxyEventV2,
  candidates: readonly SigningSource[],
): Promise<{ source: string; body: unknown }> {
  const rawBody = rawBodyOf(request);
  if (rawBody.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);

  const nowSeconds = Math.floor(Date.now() / 1000);
  const header = request.headers['x-signature'];
  let signedBy: string | undefined;
  let refusal = 'mismatch';
  for (const candidate of candidates) {
    const check = verifySignature({ header, rawBody, secrets: candidate.secrets, nowSeconds });
    if (check.valid) signedBy ??= candidate.source;
    else refusal = check.reason;
  }
  if (signedBy === undefined) {
    logger.warn('signature refused', { reason: refusal });
    throw new UnauthenticatedError();
  }

  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw new UnsupportedMediaTypeError('application/json');
  }
  try {
    return { source: signedBy, body: JSON.parse(rawBody.toString('utf8')) };
  } catch {
    throw new ValidationError('The body is not valid JSON.', [
      { pointer: '', detail: 'not valid JSON' },
    ]);
  }
}
