import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { renderSmsReply } from '#shared/web/twiml.ts';

/** The same reply as the official Twilio helper builds it. */
function twilioReply(text: string): string {
  const response = new twilio.twiml.MessagingResponse();
  response.message(text);
  return response.toString();
}

describe('renderSmsReply', () => {
  it('builds the TwiML the official Twilio helper builds for a reply', () => {
    const reply = '感谢您的反馈 Thank you: 5 & 9 <STOP> to opt out';

    expect(renderSmsReply(reply)).toBe(twilioReply(reply));
  });

  it('escapes quotes too, so a reply can never close its element or an attribute', () => {
    expect(renderSmsReply(`it's "ok"`)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>it&apos;s &quot;ok&quot;</Message></Response>',
    );
  });
});
