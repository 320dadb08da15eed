import { describe, expect, it } from 'vitest';
import { parseInvitationRequest } from '#shared/domain/invitation.ts';

const now = new Date('2026-12-02T04:00:00Z');
const window = { now, retentionDays: 400 };
const earliest = new Date(now.getTime() - 400 * 86_400_000);
const at = (offsetSeconds: number, from = earliest) =>
  new Date(from.getTime() + offsetSeconds * 1000).toISOString();
const invitation = (occurredAt: string) => ({
  eventId: 'pos-1',
  customerRef: 'C-1',
  phone: '+8613800138000',
  locale: 'en',
  channel: 'web',
  touchpoint: 'store',
  region: 'GD-SZ',
  service: 'mobile_data',
  occurredAt,
});

describe('parseInvitationRequest', () => {
  it('takes an occurredAt from the retention window up to five minutes ahead', () => {
    for (const occurredAt of [at(0), at(300, now)]) {
      expect(parseInvitationRequest(invitation(occurredAt), window).success, occurredAt).toBe(true);
    }
  });

  it('refuses an occurredAt before the retention window, or more than five minutes ahead', () => {
    expect(parseInvitationRequest(invitation(at(-1)), window)).toEqual({
      success: false,
      errors: [
        {
          pointer: '/occurredAt',
          detail: 'must be within the last 400 days and at most 5 minutes ahead',
        },
      ],
    });
    for (const occurredAt of [
      '0000-01-01T00:00:00Z',
      at(-1),
      at(301, now),
      '9999-12-31T23:59:59Z',
    ]) {
      const result = parseInvitationRequest(invitation(occurredAt), window);

      expect(result.success, occurredAt).toBe(false);
      expect(!result.success && result.errors.map((error) => error.pointer)).toEqual([
        '/occurredAt',
      ]);
    }
  });
});
