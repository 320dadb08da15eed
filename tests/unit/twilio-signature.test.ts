import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { twilioSignature, verifyTwilioSignature } from '#shared/http/twilio-signature.ts';

const authToken = 'a3f1c9e2b7d84f6a9c0e1b2d3f4a5b6c';
const url = 'https://api.operator.example/sms/inbound';
const params = {
  MessageSid: 'SM8f2c1d9e0a7b6c5d4e3f2a1b0c9d8e7f',
  From: '+8613800138000',
  To: '+8610690000',
  Body: '５分 很满意',
  AccountSid: 'AC00000000000000000000000000000000',
};

describe('twilioSignature', () => {
  it('matches what the official Twilio helper computes', () => {
    expect(twilioSignature(authToken, url, Object.entries(params))).toBe(
      twilio.getExpectedTwilioSignature(authToken, url, params),
    );
  });

  it('signs a repeated field as the official helper does: its values once each, sorted', () => {
    const repeated = { ...params, Body: ['STOP', 'START', 'STOP'] };
    const received: [string, string][] = [
      ...Object.entries(params).filter(([name]) => name !== 'Body'),
      ['Body', 'STOP'],
      ['Body', 'START'],
      ['Body', 'STOP'],
    ];

    expect(twilioSignature(authToken, url, received)).toBe(
      twilio.getExpectedTwilioSignature(authToken, url, repeated),
    );
  });

  it('verifies a signed request and refuses it tampered with', () => {
    const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
    const check = (changes: Record<string, string>, at = url) =>
      verifyTwilioSignature({
        authToken,
        url: at,
        params: Object.entries({ ...params, ...changes }),
        signature,
      });

    expect(check({})).toBe(true);
    expect(check({ Body: '1' })).toBe(false);
    expect(check({ From: '+8613800138001' })).toBe(false);
    expect(check({}, 'https://api.operator.example/sms/inbound?x=1')).toBe(false);
    expect(
      verifyTwilioSignature({
        authToken,
        url,
        params: Object.entries(params),
        signature: undefined,
      }),
    ).toBe(false);
  });
});
