import {
  advanceSmsConversation,
  isConversationExpired,
  SMS_TEXTS,
  type SmsConversation,
} from '../domain/sms-conversation.ts';
import { parseSmsReply } from '../domain/sms-reply.ts';

/** One state change an inbound SMS causes, stored atomically with its MessageSid. */
export type SmsChange =
  | { kind: 'none' }
  | { kind: 'conversation'; conversation: SmsConversation }
  | { kind: 'optOut' }
  | { kind: 'optIn'; conversation: SmsConversation | undefined }
  | {
      kind: 'response';
      invitationId: string;
      answers: { csat: number; nps?: number; comment?: string };
    }
  | { kind: 'end' };

/**
 * A phone's conversation as stored: the survey in progress, or one that has ended (kept
 * until it expires so that a gateway's retry still finds its reply), and the replies
 * given to its messages by MessageSid.
 */
export type StoredConversation = SmsConversation & {
  ended?: boolean;
  replies?: Record<string, string>;
};

export interface SmsStore {
  conversation(phoneHash: string): Promise<StoredConversation | undefined>;
  /**
   * Applies the change and remembers the reply under the MessageSid, atomically: on the
   * conversation item itself while a survey is open (one write, unless it records the
   * response), else with a record of the MessageSid. `read` is the conversation the change
   * was decided on: a concurrent change to it is refused (ConcurrentConversationUpdateError,
   * and the message is retried). `duplicate` (with the reply given the first time) when
   * the MessageSid was seen. A survey step needs an open survey (NoOpenSurveyError).
   */
  apply(input: {
    messageSid: string;
    phoneHash: string;
    reply: string;
    change: SmsChange;
    read: StoredConversation | undefined;
    at: Date;
  }): Promise<{ outcome: 'applied' } | { outcome: 'duplicate'; reply: string }>;
}

/** The conversation changed between its read and the write of this message's change. */
export class ConcurrentConversationUpdateError extends Error {
  override name = 'ConcurrentConversationUpdateError';
}

/** A change that moves a survey on came for a phone with no open survey. */
export class NoOpenSurveyError extends Error {
  override name = 'NoOpenSurveyError';
}

const both = (key: keyof typeof SMS_TEXTS) => `${SMS_TEXTS[key]?.['zh-CN']} ${SMS_TEXTS[key]?.en}`;

/**
 * Handles one inbound SMS: opt-out keywords at any time, START, HELP, and otherwise the
 * next answer of the open survey. Answers the reply text; a repeated MessageSid changes
 * nothing and gets the same reply.
 */
export async function handleInboundSms(
  store: SmsStore,
  input: { messageSid: string; phoneHash: string; body: string; now: Date },
): Promise<{ reply: string; change: SmsChange['kind']; duplicate: boolean }> {
  const { now, phoneHash, messageSid } = input;
  const stored = await store.conversation(phoneHash);
  const seen = stored?.replies?.[messageSid];
  if (seen !== undefined) return { reply: seen, change: 'none', duplicate: true };
  const open = stored?.ended ? undefined : stored;
  const conversation = open && !isConversationExpired(open, now) ? open : undefined;

  let reply: string;
  let change: SmsChange;
  if (!conversation) {
    const keyword = parseSmsReply(input.body, 'csat');
    if (keyword.kind === 'opt_out') [reply, change] = [both('optedOut'), { kind: 'optOut' }];
    else if (keyword.kind === 'opt_in')
      [reply, change] = [both('optedIn'), { kind: 'optIn', conversation: undefined }];
    else [reply, change] = [both('help'), open ? { kind: 'end' } : { kind: 'none' }];
  } else {
    const turn = advanceSmsConversation(conversation, input.body, now);
    reply = turn.reply;
    if (turn.optOut) change = { kind: 'optOut' };
    else if (turn.optIn) change = { kind: 'optIn', conversation: turn.conversation };
    else if (turn.completed)
      change = {
        kind: 'response',
        invitationId: conversation.invitationId,
        answers: turn.completed,
      };
    else if (turn.conversation) change = { kind: 'conversation', conversation: turn.conversation };
    else change = { kind: 'end' };
  }
  const result = await store.apply({
    messageSid,
    phoneHash,
    reply,
    change,
    read: stored,
    at: now,
  });
  return result.outcome === 'duplicate'
    ? { reply: result.reply, change: 'none', duplicate: true }
    : { reply, change: change.kind, duplicate: false };
}

/**
 * Whether a handled message was an ordinary survey step or a gateway's retry: logged at
 * debug, as the web answer is, since the conversation item and the table's stream keep it
 * and an info line per message costs more than half its write. Opt-outs, opt-ins, HELP,
 * ended conversations and messages matching no survey stay at info.
 */
export function isSurveyStep(handled: { change: SmsChange['kind']; duplicate: boolean }) {
  return handled.duplicate || handled.change === 'conversation' || handled.change === 'response';
}
