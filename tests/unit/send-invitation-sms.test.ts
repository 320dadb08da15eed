import { describe, expect, it } from 'vitest';
import type { Invitation } from '#shared/domain/invitation.ts';
import { decryptPhone, deriveSurveyKey, encryptPhone } from '#shared/domain/survey-token.ts';
import { sendInvitationSms } from '#shared/use-cases/send-invitation-sms.ts';

const now = new Date('2026-10-08T22:00:00+08:00');
const phoneKey = deriveSurveyKey('phone-encryption', 'a-deployment-secret-of-enough-length');
const invitation = (status: Invitation['status']): Invitation => ({
  invitationId: 'inv-1',
  source: 'crm',
  eventId: 'e-1',
  customerRef: 'c-1',
  phoneHash: 'hash',
  locale: 'zh-CN',
  channel: 'sms',
  touchpoint: 'store',
  surveyVersion: 1,
  region: 'GD-SZ',
  service: 'mobile_data',
  occurredAt: now.toISOString(),
  createdAt: now.toISOString(),
  expiresAt: now.toISOString(),
  status,
  tokenHash: 't',
});

/** The sender's ports held in memory, recording what they were asked. */
function harness(
  stored: Invitation | undefined,
  failSend = false,
  refusal?: 'opted_out' | 'answered' | 'expired',
) {
  const calls = {
    sent: [] as string[],
    delayed: [] as number[],
    released: [] as string[],
    withheld: [] as string[],
    marked: 0,
    unconfirmed: [] as (string | undefined)[],
    wakeUps: [] as unknown[],
  };
  let status = stored?.status;
  const outbox = {
    invitationId: 'inv-1',
    phoneCiphertext: encryptPhone(phoneKey, 'inv-1', '+8613800138000'),
  };
  const notForFirstSms = async () => {
    throw new Error('a first SMS never touches the reminder');
  };
  const dependencies = {
    now: () => now,
    claimLeaseSeconds: 60,
    phoneKey,
    surveyUrlOf: () => 'https://s.example.com/s/token',
    store: {
      claimReminder: notForFirstSms,
      withholdReminder: notForFirstSms,
      releaseReminder: notForFirstSms,
      markReminderSent: notForFirstSms,
      markReminderUnconfirmed: notForFirstSms,
      get: async () =>
        stored
          ? {
              invitation: { ...stored, status: status ?? stored.status },
              outbox: status === 'sent' ? undefined : outbox,
            }
          : undefined,
      claim: async () => {
        if (status !== 'queued' && status !== 'deferred') return 'taken' as const;
        if (refusal) return refusal;
        status = 'sending' as Invitation['status'];
        return 'claimed' as const;
      },
      withhold: async (_invitation: Invitation, reason: string) => {
        status = 'not_sent';
        calls.withheld.push(reason);
      },
      release: async (_id: string, from: Invitation['status']) => {
        status = from;
        calls.released.push(from);
      },
      markSent: async () => {
        status = 'sent';
        calls.marked += 1;
      },
      markUnconfirmed: async (_invitation: Invitation, claimedAt: string | undefined) => {
        if (status !== 'sending') return false;
        status = 'unconfirmed';
        calls.unconfirmed.push(claimedAt);
        return true;
      },
    },
    gateway: {
      send: async (phone: string) => {
        if (failSend) throw new Error('carrier unavailable');
        calls.sent.push(phone);
      },
    },
    wakeUps: {
      schedule: async (wakeUp: unknown, seconds: number) => {
        calls.delayed.push(seconds);
        calls.wakeUps.push(wakeUp);
      },
    },
  };
  return { dependencies, calls };
}

describe('sendInvitationSms', () => {
  it('sends once, to the decrypted number, even when the entry is delivered twice', async () => {
    const { dependencies, calls } = harness(invitation('queued'));

    expect(await sendInvitationSms(dependencies, { invitationId: 'inv-1' })).toBe('sent');
    expect(await sendInvitationSms(dependencies, { invitationId: 'inv-1' })).toBe('already_sent');
    expect(calls.sent).toEqual(['+8613800138000']);
    expect(calls.marked).toBe(1);
  });

  it('sleeps on the wake-up queue until sendAt, fifteen minutes at a time', async () => {
    const { dependencies, calls } = harness(invitation('deferred'));

    const later = await sendInvitationSms(dependencies, {
      invitationId: 'inv-1',
      sendAt: '2026-10-09T08:00:00+08:00',
    });
    const soon = await sendInvitationSms(dependencies, {
      invitationId: 'inv-1',
      sendAt: '2026-10-08T22:05:00+08:00',
    });

    expect([later, soon]).toEqual(['delayed', 'delayed']);
    expect(calls.delayed).toEqual([900, 300]);
    expect(calls.sent).toEqual([]);
  });

  it('never sends, and says why, when the claim finds the number opted out', async () => {
    const { dependencies, calls } = harness(invitation('deferred'), false, 'opted_out');

    const first = await sendInvitationSms(dependencies, { invitationId: 'inv-1' });
    const again = await sendInvitationSms(dependencies, { invitationId: 'inv-1' });

    expect([first, again]).toEqual(['not_sent', 'already_sent']);
    expect(calls.withheld).toEqual(['opted_out']);
    expect(calls.sent).toEqual([]);
  });

  it('sends nothing for an invitation that does not exist', async () => {
    const { dependencies, calls } = harness(undefined);

    expect(await sendInvitationSms(dependencies, { invitationId: 'inv-1' })).toBe('no_invitation');
    expect(calls.sent).toEqual([]);
  });

  it('releases the claim when the carrier fails, so that the retry can send', async () => {
    const { dependencies, calls } = harness(invitation('queued'), true);

    await expect(sendInvitationSms(dependencies, { invitationId: 'inv-1' })).rejects.toThrow(
      'carrier unavailable',
    );
    expect(calls.released).toEqual(['queued']);
    expect(calls.marked).toBe(0);
  });

  it('comes back when the lease ends for a claim whose sender may still be at work', async () => {
    // Claimed 20 s ago: its sender may be between SNS and its record right now.
    const claimedAt = new Date(now.getTime() - 20_000).toISOString();
    const { dependencies, calls } = harness({ ...invitation('sending'), claimedAt });

    expect(await sendInvitationSms(dependencies, { invitationId: 'inv-1' })).toBe('delayed');
    expect(calls.wakeUps).toEqual([
      { invitationId: 'inv-1', sendAt: new Date(now.getTime() + 40_000).toISOString() },
    ]);
    expect(calls.delayed).toEqual([40]);
    expect(calls.sent).toEqual([]);
    expect(calls.unconfirmed).toEqual([]);
  });

  it('never sends again, and records it unconfirmed, a claim older than its lease', async () => {
    const claimedAt = new Date(now.getTime() - 61_000).toISOString();
    const { dependencies, calls } = harness({ ...invitation('sending'), claimedAt });

    const first = await sendInvitationSms(dependencies, { invitationId: 'inv-1' });
    const again = await sendInvitationSms(dependencies, { invitationId: 'inv-1' });

    expect([first, again]).toEqual(['unconfirmed', 'already_sent']);
    expect(calls.unconfirmed).toEqual([claimedAt]);
    expect(calls.sent).toEqual([]);
  });

  it('resolves at once a claim made before claims were dated', async () => {
    const { dependencies, calls } = harness(invitation('sending'));

    expect(await sendInvitationSms(dependencies, { invitationId: 'inv-1' })).toBe('unconfirmed');
    expect(calls.unconfirmed).toEqual([undefined]);
    expect(calls.sent).toEqual([]);
  });
});

describe('phone encryption', () => {
  it('round-trips for the same invitation and refuses another invitation or an altered text', () => {
    const sealed = encryptPhone(phoneKey, 'inv-1', '+8613800138000');

    expect(sealed).not.toContain('13800138000');
    expect(decryptPhone(phoneKey, 'inv-1', sealed)).toBe('+8613800138000');
    expect(() => decryptPhone(phoneKey, 'inv-2', sealed)).toThrow();
    expect(() => decryptPhone(phoneKey, 'inv-1', `${sealed.slice(0, -2)}AA`)).toThrow();
  });
});
