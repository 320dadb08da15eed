import { describe, expect, it } from 'vitest';
import type { Invitation, SmsOutboxMessage } from '#shared/domain/invitation.ts';
import { sendInvitationSms } from '#shared/use-cases/send-invitation-sms.ts';

const now = new Date('2026-10-08T22:00:00+08:00');
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
function harness(stored: Invitation | undefined, failSend = false) {
  const calls = {
    sent: [] as string[],
    delayed: [] as number[],
    released: [] as string[],
    marked: 0,
  };
  let status = stored?.status;
  const dependencies = {
    now: () => now,
    store: {
      get: async () => (stored ? { ...stored, status: status ?? stored.status } : undefined),
      claim: async () => {
        if (status !== 'queued' && status !== 'deferred') return false;
        status = 'sending' as Invitation['status'];
        return true;
      },
      release: async (_id: string, from: Invitation['status']) => {
        status = from;
        calls.released.push(from);
      },
      markSent: async () => {
        status = 'sent';
        calls.marked += 1;
      },
    },
    gateway: {
      send: async (phone: string) => {
        if (failSend) throw new Error('carrier unavailable');
        calls.sent.push(phone);
      },
    },
    outbox: {
      delay: async (_message: SmsOutboxMessage, seconds: number) =>
        void calls.delayed.push(seconds),
    },
  };
  return { dependencies, calls };
}

const message: SmsOutboxMessage = {
  invitationId: 'inv-1',
  phone: '+8613800138000',
  locale: 'zh-CN',
};

describe('sendInvitationSms', () => {
  it('sends once even when the message is delivered twice', async () => {
    const { dependencies, calls } = harness(invitation('queued'));

    expect(await sendInvitationSms(dependencies, message)).toBe('sent');
    expect(await sendInvitationSms(dependencies, message)).toBe('already_sent');
    expect(calls.sent).toEqual(['+8613800138000']);
    expect(calls.marked).toBe(1);
  });

  it('waits on the queue until sendAt, fifteen minutes at a time', async () => {
    const { dependencies, calls } = harness(invitation('deferred'));

    const outcome = await sendInvitationSms(dependencies, {
      ...message,
      sendAt: '2026-10-09T08:00:00+08:00',
    });
    const soon = await sendInvitationSms(dependencies, {
      ...message,
      sendAt: '2026-10-08T22:05:00+08:00',
    });

    expect([outcome, soon]).toEqual(['delayed', 'delayed']);
    expect(calls.delayed).toEqual([900, 300]);
    expect(calls.sent).toEqual([]);
  });

  it('drops a message whose invitation does not exist', async () => {
    const { dependencies, calls } = harness(undefined);

    expect(await sendInvitationSms(dependencies, message)).toBe('no_invitation');
    expect(calls.sent).toEqual([]);
  });

  it('releases the claim when the carrier fails, so that the retry can send', async () => {
    const { dependencies, calls } = harness(invitation('queued'), true);

    await expect(sendInvitationSms(dependencies, message)).rejects.toThrow('carrier unavailable');
    expect(calls.released).toEqual(['queued']);
    expect(calls.marked).toBe(0);
  });
});
