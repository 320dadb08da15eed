import * as z from 'zod/mini';

/** An inbound SMS as the gateway posts it (docs/design.md §4.2): the fields this API reads. */
export const InboundSmsSchema = z.object({
  MessageSid: z.string().check(z.regex(/^[A-Za-z0-9]{2,64}$/, 'must be a message id')),
  From: z.string().check(z.regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number')),
  Body: z.string().check(z.maxLength(1600)),
});
