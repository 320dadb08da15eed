import { describe, expect, it } from 'vitest';
import { computeSignature, signatureHeader, verifySignature } from '#shared/http/signature.ts';

const secret = 'whsec_current_0123456789abcdef';
const previous = 'whsec_previous_0123456789abcdef';
const body = Buffer.from('{"eventId":"e-1","note":"投诉"}', 'utf8');
const now = 1_790_000_000;

describe('verifySignature', () => {
  it('accepts a header signed with the current secret over the raw bytes', () => {
    const header = signatureHeader(secret, now, body);

    expect(verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: now })).toEqual({
      valid: true,
    });
  });

  it('accepts the previous secret while both are active, and either of two v1 values', () => {
    const oldOnly = signatureHeader(previous, now, body);
    const both = `t=${now},v1=${computeSignature('some-other-secret', now, body)},v1=${computeSignature(secret, now, body)}`;

    const secrets = [secret, previous];
    expect(
      verifySignature({ header: oldOnly, rawBody: body, secrets, nowSeconds: now }).valid,
    ).toBe(true);
    expect(verifySignature({ header: both, rawBody: body, secrets, nowSeconds: now }).valid).toBe(
      true,
    );
  });

  it('refuses a secret that is no longer active', () => {
    const header = signatureHeader(previous, now, body);

    expect(verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: now })).toEqual({
      valid: false,
      reason: 'mismatch',
    });
  });

  it('refuses a body changed by one byte', () => {
    const header = signatureHeader(secret, now, body);
    const changed = Buffer.from(body);
    changed[2] = (changed[2] ?? 0) ^ 1;

    expect(
      verifySignature({ header, rawBody: changed, secrets: [secret], nowSeconds: now }),
    ).toEqual({
      valid: false,
      reason: 'mismatch',
    });
  });

  it('accepts 300 s of clock difference either way and refuses 301 s', () => {
    const check = (signedAt: number) =>
      verifySignature({
        header: signatureHeader(secret, signedAt, body),
        rawBody: body,
        secrets: [secret],
        nowSeconds: now,
      });

    expect(check(now - 300).valid).toBe(true);
    expect(check(now + 300).valid).toBe(true);
    expect(check(now - 301)).toEqual({ valid: false, reason: 'expired' });
    expect(check(now + 301)).toEqual({ valid: false, reason: 'expired' });
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['v1=abc', 'malformed'],
    [`t=${now}`, 'malformed'],
    [`t=${now},v1=XYZ`, 'malformed'],
    [`t=soon,v1=${'a'.repeat(64)}`, 'malformed'],
    [`t=${now},t=${now},v1=${'a'.repeat(64)}`, 'malformed'],
    ['garbage', 'malformed'],
  ])('refuses the header %j as %s', (header, reason) => {
    expect(verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: now })).toEqual({
      valid: false,
      reason,
    });
  });

  it('refuses everything when the source has no secret', () => {
    const header = signatureHeader(secret, now, body);

    expect(verifySignature({ header, rawBody: body, secrets: [], nowSeconds: now }).valid).toBe(
      false,
    );
  });
});
