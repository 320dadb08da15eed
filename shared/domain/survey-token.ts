import { createHash, createHmac, randomBytes } from 'node:crypto';

/** Survey links expire after seven days unless configured otherwise (DESIGN §4.4). */
export const DEFAULT_TOKEN_TTL_DAYS = 7;

/** A new survey token: 256 random bits, URL-safe. Only its hash is ever stored. */
export function newSurveyToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a token: its SHA-256, so a table dump reveals no usable link. */
export function hashSurveyToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Whether a string could be a token at all; anything else is unknown without a lookup. */
export function looksLikeSurveyToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/**
 * The keyed hash that matches an inbound SMS to its invitation without storing the
 * number: HMAC-SHA256 with a secret pepper over the E.164 number.
 */
export function phoneHash(pepper: string, e164: string): string {
  return createHmac('sha256', pepper).update(e164).digest('base64url');
}
