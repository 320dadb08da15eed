import { describe, expect, it } from 'vitest';
import { parseComplaintWebhookBody } from '#shared/domain/complaint-event.ts';
import { toJsonPointer } from '#shared/domain/validation.ts';

const event = {
  eventId: 'crm-evt-1',
  complaintId: 'CMP-1',
  type: 'created',
  occurredAt: '2026-10-08T09:15:00+08:00',
  kind: 'complaint',
  category: 'billing',
  region: 'GD-SZ',
  service: 'mobile_data',
  via: 'regulator',
};

describe('parseComplaintWebhookBody', () => {
  it('reads one event and a batch of events', () => {
    expect(parseComplaintWebhookBody(event)).toEqual({ success: true, events: [event] });
    expect(
      parseComplaintWebhookBody({ events: [event, { ...event, eventId: 'e2' }] }),
    ).toMatchObject({
      success: true,
      events: [{ eventId: 'crm-evt-1' }, { eventId: 'e2' }],
    });
  });

  it('refuses an empty batch and one of 101 events', () => {
    const empty = parseComplaintWebhookBody({ events: [] });
    const tooMany = parseComplaintWebhookBody({ events: Array.from({ length: 101 }, () => event) });

    expect(empty).toEqual({
      success: false,
      errors: [{ pointer: '/events', detail: 'must hold at least one event' }],
    });
    expect(tooMany).toEqual({
      success: false,
      errors: [{ pointer: '/events', detail: 'must hold at most 100 events' }],
    });
  });

  it('points at each invalid field of a batch member, and at unknown fields', () => {
    const result = parseComplaintWebhookBody({
      events: [event, { ...event, occurredAt: '2026-10-08T09:15:00', region: 'gd', extra: 1 }],
    });

    expect(result.success).toBe(false);
    expect(!result.success && result.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/events/1/occurredAt', detail: expect.stringContaining('RFC 3339') },
        { pointer: '/events/1/region', detail: 'must be a region code such as GD-SZ' },
        { pointer: '/events/1/extra', detail: 'unknown field' },
      ]),
    );
  });

  it('names missing fields and the allowed values of an enumeration', () => {
    const { complaintId: _omitted, ...withoutId } = event;

    const result = parseComplaintWebhookBody({ ...withoutId, service: '5g', via: 'email' });

    expect(!result.success && result.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/complaintId', detail: 'is required' },
        {
          pointer: '/service',
          detail: 'must be one of: mobile_voice, mobile_data, fixed_broadband, fixed_voice, iptv',
        },
        { pointer: '/via', detail: 'must be one of: direct, regulator' },
      ]),
    );
  });

  it('refuses ids with characters outside the opaque-id alphabet or over 64 characters', () => {
    const spaced = parseComplaintWebhookBody({ ...event, customerRef: 'has space' });
    const long = parseComplaintWebhookBody({ ...event, eventId: 'e'.repeat(65) });

    expect(!spaced.success && spaced.errors.map((error) => error.pointer)).toEqual([
      '/customerRef',
    ]);
    expect(!long.success && long.errors.map((error) => error.pointer)).toEqual(['/eventId']);
  });

  it('accepts Z and negative offsets', () => {
    expect(
      parseComplaintWebhookBody({ ...event, occurredAt: '2026-10-08T01:15:00Z' }).success,
    ).toBe(true);
    expect(
      parseComplaintWebhookBody({ ...event, occurredAt: '2026-10-07T20:15:00.250-05:00' }).success,
    ).toBe(true);
  });
});

describe('toJsonPointer', () => {
  it('escapes ~ and / as RFC 6901 requires', () => {
    expect(toJsonPointer(['events', 0, 'a/b', 'c~d'])).toBe('/events/0/a~1b/c~0d');
    expect(toJsonPointer([])).toBe('');
  });
});

describe('parseComplaintWebhookBody with a time window', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const window = { now, retentionDays: 400 };
  const at = (iso: string) => ({ ...event, occurredAt: iso });

  it('accepts times from the retention window up to five minutes ahead', () => {
    const oldest = new Date(now.getTime() - 400 * 86_400_000).toISOString();
    const ahead = new Date(now.getTime() + 5 * 60_000).toISOString();

    expect(parseComplaintWebhookBody({ events: [at(oldest), at(ahead)] }, window)).toMatchObject({
      success: true,
    });
  });

  it('refuses year 0000, 9999, a day past retention and six minutes ahead, pointing at each', () => {
    const pastRetention = new Date(now.getTime() - 401 * 86_400_000).toISOString();
    const sixAhead = new Date(now.getTime() + 6 * 60_000).toISOString();
    const events = [
      at('0000-01-01T00:00:00Z'),
      at('9999-12-31T23:59:59Z'),
      at('2026-11-30T08:00:00+08:00'),
      at(pastRetention),
      at(sixAhead),
    ];

    const batch = parseComplaintWebhookBody({ events }, window);
    const single = parseComplaintWebhookBody(at('9999-12-31T23:59:59Z'), window);

    expect(batch.success).toBe(false);
    expect(!batch.success && batch.errors.map((error) => error.pointer)).toEqual([
      '/events/0/occurredAt',
      '/events/1/occurredAt',
      '/events/3/occurredAt',
      '/events/4/occurredAt',
    ]);
    expect(single).toEqual({
      success: false,
      errors: [
        {
          pointer: '/occurredAt',
          detail: 'must be within the last 400 days and at most 5 minutes ahead',
        },
      ],
    });
  });
});
