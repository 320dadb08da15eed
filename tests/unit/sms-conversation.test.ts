import { describe, expect, it } from 'vitest';
import {
  advanceSmsConversation,
  isConversationExpired,
  SMS_TEXTS,
  type SmsConversation,
} from '#shared/domain/sms-conversation.ts';

const now = new Date('2026-10-08T10:00:00+08:00');
const start = (locale: 'zh-CN' | 'en' = 'zh-CN'): SmsConversation => ({
  invitationId: 'inv-1',
  locale,
  step: 'csat',
  answers: {},
  reprompted: false,
  updatedAt: now.toISOString(),
});

/** Plays replies through a conversation; answers the last turn. */
function play(conversation: SmsConversation, ...replies: string[]) {
  let current: SmsConversation | undefined = conversation;
  let turn = advanceSmsConversation(conversation, replies[0] ?? '', now);
  for (const text of replies) {
    if (!current) throw new Error('the conversation ended early');
    turn = advanceSmsConversation(current, text, now);
    current = turn.conversation;
  }
  return turn;
}

describe('a survey by SMS', () => {
  it('asks CSAT, then NPS, then a comment, and completes with all three', () => {
    const afterCsat = play(start(), '５分');
    expect(afterCsat.reply).toBe(SMS_TEXTS.nps?.['zh-CN']);

    const done = play(start(), '５分', '9', '营业员很耐心');

    expect(done).toEqual({
      reply: SMS_TEXTS.thanks?.['zh-CN'],
      conversation: undefined,
      completed: { csat: 5, nps: 9, comment: '营业员很耐心' },
    });
  });

  it('completes without a comment when the customer skips it', () => {
    expect(play(start('en'), '4', '10', 'no').completed).toEqual({ csat: 4, nps: 10 });
  });

  it('asks once more after an unreadable reply, then ends with what it has', () => {
    const reprompt = play(start('en'), 'great stuff');
    expect(reprompt.reply).toBe(SMS_TEXTS.repromptCsat?.en);
    expect(reprompt.conversation?.reprompted).toBe(true);

    expect(play(start('en'), 'great stuff', '4').conversation?.step).toBe('nps');
    expect(play(start('en'), 'great stuff', 'still great')).toEqual({
      reply: SMS_TEXTS.gaveUp?.en,
      conversation: undefined,
    });
    expect(play(start('en'), '4', 'dunno', 'no idea')).toMatchObject({
      reply: SMS_TEXTS.gaveUp?.en,
      completed: { csat: 4 },
    });
  });

  it('opts out at once mid-survey and records nothing', () => {
    const turn = play(start(), '5', '退订');

    expect(turn).toEqual({
      reply: SMS_TEXTS.optedOut?.['zh-CN'],
      conversation: undefined,
      optOut: true,
    });
  });

  it('answers HELP without moving on', () => {
    const turn = play(start('en'), 'HELP');

    expect(turn.reply).toContain('STOP');
    expect(turn.conversation?.step).toBe('csat');
  });

  it('expires a conversation left silent for a day', () => {
    const conversation = start();
    expect(isConversationExpired(conversation, new Date(now.getTime() + 23 * 3_600_000))).toBe(
      false,
    );
    expect(isConversationExpired(conversation, new Date(now.getTime() + 25 * 3_600_000))).toBe(
      true,
    );
  });
});
