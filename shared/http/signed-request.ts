import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { logger } from '../powertools/logger.ts';
import { UnauthenticatedError } from './problem.ts';
import { decodeBody, mediaTypeOf, rawBodyOf } from './request-body.ts';
import { verifySignature } from './signature.ts';

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

  const { json } = decodeBody(rawBody, mediaTypeOf(request), ['application/json']);
  return { source: signedBy, body: json };
}
