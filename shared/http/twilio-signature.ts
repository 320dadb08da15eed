import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `X-Twilio-Signature` of a request (docs/design.md §4.2): base64 HMAC-SHA1, keyed with the
 * gateway's auth token, of the full public URL followed by every POST parameter sorted by
 * name, as name + value.
 */
export function twilioSignature(
  authToken: string,
  url: string,
  params: ReadonlyArray<readonly [string, string]>,
): string {
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const payload = sorted.reduce((text, [name, value]) => text + name + value, url);
  return createHmac('sha1', authToken).update(payload, 'utf8').digest('base64');
}

/** Checks a request's `X-Twilio-Signature` in constant time. */
export function verifyTwilioSignature(input: {
  authToken: string;
  url: string;
  params: ReadonlyArray<readonly [string, string]>;
  signature: string | undefined;
}): boolean {
  if (!input.signature) return false;
  const expected = Buffer.from(twilioSignature(input.authToken, input.url, input.params));
  const given = Buffer.from(input.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
