import * as z from 'zod/mini';

/** An inbound SMS as the gateway posts it (docs/design.md §4.2): the fields this API reads. */
export const InboundSmsSchema = z.object({
  MessageSid: z.string().check(z.regex(/^[A-Za-z0-9]{2,64}$/, 'must be a message id')),
  From: z.string().check(z.regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number')),
  To: z.string().check(z.regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number')),
  Body: z.string().check(z.maxLength(1600)),
});

/**
 * Whether an inbound SMS was sent to one of the deployment's own numbers. Another number's
 * messages (a gateway account's or an End User Messaging pool's other numbers) are not
 * this survey's: they are ignored, never answered or recorded.
 */
export function isToOwnNumber(ownNumbers: readonly string[], to: string): boolean {
  return ownNumbers.includes(to);
}
