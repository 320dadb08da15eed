import { describe, expect, it } from 'vitest';
import {
  type ContactPolicy,
  DEFAULT_CONTACT_POLICY,
  decideInvitation,
  isQuietAt,
  quietHoursEndAfter,
} from '#shared/domain/contact-policy.ts';

const policy = DEFAULT_CONTACT_POLICY; // 21:00–08:00 Asia/Shanghai, 30-day cap
const at = (iso: string) => new Date(iso);
const decide = (overrides: Partial<Parameters<typeof decideInvitation>[0]>) =>
  decideInvitation({
    channel: 'sms',
    deferrable: false,
    now: at('2026-10-08T10:00:00+08:00'),
    optedOut: false,
    lastInvitedAt: undefined,
    policy,
    ...overrides,
  });

describe('quiet hours in the reporting time zone', () => {
  it.each([
    ['2026-10-08T20:59:00+08:00', false],
    ['2026-10-08T21:00:00+08:00', true],
    ['2026-10-08T23:59:59+08:00', true],
    ['2026-10-09T00:00:00+08:00', true],
    ['2026-10-09T07:59:00+08:00', true],
    ['2026-10-09T08:00:00+08:00', false],
    // 13:30 UTC is 21:30 in Shanghai: quiet, though it is afternoon in UTC.
    ['2026-10-08T13:30:00Z', true],
  ])('at %s quiet is %s', (instant, quiet) => {
    expect(isQuietAt(at(instant), policy)).toBe(quiet);
  });

  it('ends at the next 08:00 local, the same night or the next morning', () => {
    expect(quietHoursEndAfter(at('2026-10-08T22:15:00+08:00'), policy).toISOString()).toBe(
      '2026-10-09T00:00:00.000Z',
    );
    expect(quietHoursEndAfter(at('2026-10-09T03:00:00+08:00'), policy).toISOString()).toBe(
      '2026-10-09T00:00:00.000Z',
    );
    // Across a month end.
    expect(quietHoursEndAfter(at('2026-10-31T23:00:00+08:00'), policy).toISOString()).toBe(
      '2026-11-01T00:00:00.000Z',
    );
  });

  it('handles a zone with daylight saving and quiet hours that do not wrap midnight', () => {
    const london: ContactPolicy = {
      ...policy,
      timeZone: 'Europe/London',
      quietHours: { start: '12:00', end: '14:00' },
    };
    // British Summer Time (UTC+1) ends on 2026-10-25; after it London is on UTC.
    expect(isQuietAt(at('2026-10-24T13:30:00Z'), london)).toBe(false); // 14:30 BST
    expect(isQuietAt(at('2026-10-24T12:30:00Z'), london)).toBe(true); // 13:30 BST
    expect(isQuietAt(at('2026-10-25T13:30:00Z'), london)).toBe(true); // 13:30 GMT
    expect(quietHoursEndAfter(at('2026-10-25T12:30:00Z'), london).toISOString()).toBe(
      '2026-10-25T14:00:00.000Z',
    );
  });
});

describe('decideInvitation', () => {
  it('queues an SMS by day and readies a web link at any hour', () => {
    expect(decide({})).toEqual({ outcome: 'create', status: 'queued' });
    expect(decide({ channel: 'web', now: at('2026-10-08T23:00:00+08:00') })).toEqual({
      outcome: 'create',
      status: 'created',
    });
  });

  it('defers a deferrable SMS to the end of the quiet hours and suppresses the rest', () => {
    const night = at('2026-10-08T23:30:00+08:00');

    expect(decide({ now: night, deferrable: true })).toEqual({
      outcome: 'defer',
      status: 'deferred',
      sendAt: at('2026-10-09T08:00:00+08:00'),
    });
    expect(decide({ now: night })).toEqual({ outcome: 'suppress', reason: 'quiet_hours' });
  });

  it('never invites an opted-out customer, whatever the channel', () => {
    expect(decide({ optedOut: true })).toEqual({ outcome: 'suppress', reason: 'opted_out' });
    expect(decide({ optedOut: true, channel: 'web' })).toEqual({
      outcome: 'suppress',
      reason: 'opted_out',
    });
  });

  it('invites a customer at most once in 30 days', () => {
    const now = at('2026-10-31T10:00:00+08:00');

    expect(decide({ now, lastInvitedAt: at('2026-10-01T10:00:01+08:00') })).toEqual({
      outcome: 'suppress',
      reason: 'frequency_cap',
    });
    expect(decide({ now, lastInvitedAt: at('2026-10-01T10:00:00+08:00') })).toEqual({
      outcome: 'create',
      status: 'queued',
    });
  });
});
