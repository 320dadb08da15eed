import { createHmac, timingSafeEqual } from 'node:crypto';

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The `X-Twilio-Signature` of a request (docs/design.md §4.2): base64 HMAC-SHA1, keyed with the
 * gateway's auth token, of the full public URL followed by every POST parameter sorted by
 * name, as name + value. A repeated field counts as the official `twilio` helper counts it:
 * each distinct value once, sorted, each as name + value.
 */
export function twilioSignature(
  authToken: string,
  url: string,
  params: ReadonlyArray<readonly [string, string]>,
): string {
  const valuesByName = new Map<string, Set<string>>();
  for (const [name, value] of params) {
    valuesByName.set(name, (valuesByName.get(name) ?? new Set()).add(value));
  }
  let payload = url;
  for (const name of [...valuesByName.keys()].sort(byCodeUnits)) {
    const values = [...(valuesByName.get(name) ?? [])];
    // The helper keeps a single value as it is; only a repeated field's values are sorted.
    for (const value of values.length > 1 ? values.sort(byCodeUnits) : values) {
      payload += name + value;
    }
  }
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
