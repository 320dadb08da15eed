import { createHmac, timingSafeEqual } from 'node:crypto';

/** Replay window for signed webhooks (docs/design.md §4.1). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck =
  | { valid: true }
  | { valid: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Computes `v1`: hex HMAC-SHA256 of `t + "." + rawBody` (docs/design.md §4.1). */
export function computeSignature(secret: string, timestamp: number, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** Builds an `X-Signature` header value, as an operator system sends it. */
export function signatureHeader(secret: string, timestamp: number, rawBody: Buffer): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, rawBody)}`;
}

/**
 * Verifies an `X-Signature` header against the raw body with any of the active secrets
 * (two during rotation); `v1=` may appear more than once. Comparison is constant-time.
 */
export function verifySignature(input: {
  header: string | undefined;
  rawBody: Buffer;
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds?: number;
}): SignatureCheck {
  const { header, rawBody, secrets, nowSeconds } = input;
  if (header === undefined || header.trim() === '') return { valid: false, reason: 'missing' };
  let timestamp: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) return { valid: false, reason: 'malformed' };
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) {
        return { valid: false, reason: 'malformed' };
      }
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value)) return { valid: false, reason: 'malformed' };
      candidates.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (v0, v2 …) are ignored so that a sender can add one ahead of us.
  }
  if (timestamp === undefined || candidates.length === 0) {
    return { valid: false, reason: 'malformed' };
  }
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(nowSeconds - timestamp) > tolerance) return { valid: false, reason: 'expired' };
  let matched = false;
  // Every pair is compared, so the time taken does not depend on which one matches.
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), 'hex');
    for (const candidate of candidates) {
      if (timingSafeEqual(expected, candidate)) matched = true;
    }
  }
  return matched ? { valid: true } : { valid: false, reason: 'mismatch' };
}
