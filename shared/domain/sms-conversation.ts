import { parseSmsReply, type SmsStep } from './sms-reply.ts';
import type { Locale } from './survey-definitions.ts';

/** A survey by SMS in progress: which question is open and what was answered. */
export interface SmsConversation {
  invitationId: string;
  locale: Locale;
  step: SmsStep;
  answers: { csat?: number; nps?: number };
  /** Whether the open question has already been asked again after an unreadable reply. */
  reprompted: boolean;
  updatedAt: string;
}

/** A conversation left unanswered this long is over; a late reply opens nothing. */
export const CONVERSATION_TIMEOUT_HOURS = 24;

export const SMS_TEXTS: Record<string, Record<Locale, string>> = {
  csat: {
    'zh-CN': '感谢您使用我们的服务。请回复1-5为本次服务打分（5=非常满意）。回复TD退订。',
    en: 'Thank you for contacting us. How satisfied were you? Reply 1-5 (5 = very satisfied). Reply STOP to opt out.',
  },
  nps: {
    'zh-CN': '您有多大可能向亲友推荐我们？请回复0-10（10=极有可能）。',
    en: 'How likely are you to recommend us to a friend? Reply 0-10 (10 = extremely likely).',
  },
  comment: {
    'zh-CN': '还有什么想告诉我们的吗？直接回复即可，回复“无”跳过。',
    en: 'Anything else you would like to tell us? Reply with your comment, or NO to skip.',
  },
  repromptCsat: {
    'zh-CN': '抱歉，没有看懂。请回复1到5之间的数字（5=非常满意）。',
    en: 'Sorry, we did not understand. Please reply with a number from 1 to 5 (5 = very satisfied).',
  },
  repromptNps: {
    'zh-CN': '抱歉，没有看懂。请回复0到10之间的数字（10=极有可能）。',
    en: 'Sorry, we did not understand. Please reply with a number from 0 to 10 (10 = extremely likely).',
  },
  gaveUp: {
    'zh-CN': '抱歉，仍未能识别您的回复。感谢您的时间。',
    en: 'Sorry, we still could not read that. Thank you for your time.',
  },
  thanks: { 'zh-CN': '感谢您的反馈！', en: 'Thank you for your feedback!' },
  optedOut: {
    'zh-CN': '您已退订满意度调查短信，回复“订阅”可重新接收。',
    en: 'You have been unsubscribed from survey messages. Reply START to subscribe again.',
  },
  optedIn: {
    'zh-CN': '您已重新订阅满意度调查短信。回复TD退订。',
    en: 'You are subscribed to survey messages again. Reply STOP to opt out.',
  },
  help: {
    'zh-CN': '这是服务满意度调查短信。回复数字作答，回复TD退订。',
    en: 'This is our customer satisfaction survey. Reply with a number to answer, or STOP to opt out.',
  },
};

/** What one inbound message does to a conversation. */
export interface SmsTurn {
  reply: string;
  /** The conversation after this message; undefined when it has ended. */
  conversation: SmsConversation | undefined;
  /** Answers to record, once the conversation ends with at least a CSAT score. */
  completed?: { csat: number; nps?: number; comment?: string };
  optOut?: true;
  optIn?: true;
}

/** Whether a conversation has been silent past its timeout. */
export function isConversationExpired(conversation: SmsConversation, now: Date): boolean {
  return (
    now.getTime() - Date.parse(conversation.updatedAt) > CONVERSATION_TIMEOUT_HOURS * 3_600_000
  );
}

/**
 * Advances a survey by SMS by one inbound message: CSAT, then NPS, then an optional
 * comment. An unreadable score is asked once more, then the survey ends with what it has.
 * STOP and its kin end it at once; HELP answers without moving on.
 */
export function advanceSmsConversation(
  conversation: SmsConversation,
  text: string,
  now: Date,
): SmsTurn {
  const { locale } = conversation;
  const say = (key: keyof typeof SMS_TEXTS) => SMS_TEXTS[key]?.[locale] ?? '';
  const next = (changes: Partial<SmsConversation>): SmsConversation => ({
    ...conversation,
    ...changes,
    updatedAt: now.toISOString(),
  });
  const finish = (answers: SmsConversation['answers'], comment?: string): SmsTurn => {
    if (answers.csat === undefined) return { reply: say('gaveUp'), conversation: undefined };
    return {
      reply:
        comment === undefined && conversation.step !== 'comment' ? say('gaveUp') : say('thanks'),
      conversation: undefined,
      completed: {
        csat: answers.csat,
        ...(answers.nps !== undefined ? { nps: answers.nps } : {}),
        ...(comment !== undefined ? { comment } : {}),
      },
    };
  };

  const reply = parseSmsReply(text, conversation.step);
  switch (reply.kind) {
    case 'opt_out':
      return { reply: say('optedOut'), conversation: undefined, optOut: true };
    case 'opt_in':
      return { reply: say('optedIn'), conversation: next({}), optIn: true };
    case 'help':
      return { reply: `${say('help')} ${say(conversation.step)}`, conversation: next({}) };
    case 'comment':
      return finish(conversation.answers, reply.text ?? undefined);
    case 'score':
      if (conversation.step === 'csat') {
        return {
          reply: say('nps'),
          conversation: next({ step: 'nps', answers: { csat: reply.value }, reprompted: false }),
        };
      }
      return {
        reply: say('comment'),
        conversation: next({
          step: 'comment',
          answers: { ...conversation.answers, nps: reply.value },
          reprompted: false,
        }),
      };
    case 'unparseable':
      if (!conversation.reprompted) {
        return {
          reply: say(conversation.step === 'csat' ? 'repromptCsat' : 'repromptNps'),
          conversation: next({ reprompted: true }),
        };
      }
      return finish(conversation.answers);
  }
}
