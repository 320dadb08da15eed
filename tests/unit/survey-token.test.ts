import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SURVEYS, TOUCHPOINTS } from '#shared/domain/survey-definitions.ts';
import {
  decryptPhone,
  deriveSurveyKey,
  deriveSurveyKeys,
  encryptPhone,
  hashSurveyToken,
  invitationIdFor,
  looksLikeSurveyToken,
  phoneHash,
  SURVEY_KEY_PURPOSES,
  surveyTokenFor,
} from '#shared/domain/survey-token.ts';

/** Four secrets, as the stack generates one per purpose. */
const secretsOf = (deployment: string) => ({
  'invitation-id': `${deployment}-invitation-id-secret`,
  'survey-token': `${deployment}-survey-token-secret`,
  'phone-hash': `${deployment}-phone-pepper-secret`,
  'phone-encryption': `${deployment}-phone-encryption-secret`,
});

describe('survey tokens', () => {
  const keys = deriveSurveyKeys(secretsOf('a-deployment'));

  const idOf = (eventId: string, source = 'crm') =>
    invitationIdFor(keys.invitationIdKey, source, eventId);

  it('come from 128-bit invitation ids, one per event, URL-safe, never twice the same', () => {
    const ids = Array.from({ length: 1000 }, (_, n) => idOf(`event-${n}`));
    const tokens = new Set(ids.map((id) => surveyTokenFor(keys.tokenKey, id)));

    expect(new Set(ids).size).toBe(1000);
    expect(Buffer.from(ids[0] ?? '', 'base64url')).toHaveLength(16);
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(looksLikeSurveyToken(token)).toBe(true);
    // The same event of another source is another invitation.
    expect(idOf('event-1', 'billing')).not.toBe(idOf('event-1', 'crm'));
  });

  it('are derived again identically, and differ under another deployment secret', () => {
    const id = idOf('event-7');
    const other = deriveSurveyKeys(secretsOf('another-deployment'));

    expect(idOf('event-7')).toBe(id);
    expect(invitationIdFor(other.invitationIdKey, 'crm', 'event-7')).not.toBe(id);
    expect(surveyTokenFor(keys.tokenKey, id)).toBe(surveyTokenFor(keys.tokenKey, id));
    expect(surveyTokenFor(other.tokenKey, id)).not.toBe(surveyTokenFor(keys.tokenKey, id));
    expect(keys.tokenKey.equals(keys.phonePepper)).toBe(false);
    expect(keys.invitationIdKey.equals(keys.tokenKey)).toBe(false);
  });

  it('are stored as a hash that does not reveal them', () => {
    const token = surveyTokenFor(keys.tokenKey, idOf('event-9'));

    expect(hashSurveyToken(token)).toBe(hashSurveyToken(token));
    expect(hashSurveyToken(token)).not.toContain(token);
  });
});

describe('survey keys, one secret per purpose', () => {
  const secrets = secretsOf('a-deployment');
  const keys = deriveSurveyKeys(secrets);
  const keyOf = {
    'invitation-id': keys.invitationIdKey,
    'survey-token': keys.tokenKey,
    'phone-hash': keys.phonePepper,
    'phone-encryption': keys.phoneKey,
  };

  it.each(SURVEY_KEY_PURPOSES)('a leaked %s secret derives no other purpose’s key', (leaked) => {
    for (const purpose of SURVEY_KEY_PURPOSES.filter((other) => other !== leaked)) {
      // Whatever the thief derives from the one secret they hold, for any purpose.
      for (const guess of SURVEY_KEY_PURPOSES) {
        expect(deriveSurveyKey(guess, secrets[leaked]).equals(keyOf[purpose]), purpose).toBe(false);
      }
    }
  });

  it('lets a leaked phone pepper make no survey link and open no stored number', () => {
    // Prepare: what a thief holding the pepper's secret alone would try.
    const id = invitationIdFor(keys.invitationIdKey, 'crm', 'event-1');
    const sealed = encryptPhone(keys.phoneKey, id, '+8613800000000');
    const fromPepper = (purpose: (typeof SURVEY_KEY_PURPOSES)[number]) =>
      deriveSurveyKey(purpose, secrets['phone-hash']);

    // Act / Assess
    expect(surveyTokenFor(fromPepper('survey-token'), id)).not.toBe(
      surveyTokenFor(keys.tokenKey, id),
    );
    expect(invitationIdFor(fromPepper('invitation-id'), 'crm', 'event-1')).not.toBe(id);
    expect(() => decryptPhone(fromPepper('phone-encryption'), id, sealed)).toThrow();
    expect(decryptPhone(keys.phoneKey, id, sealed)).toBe('+8613800000000');
  });

  it('changes only its own purpose’s key when one secret changes', () => {
    const changed = deriveSurveyKeys({ ...secrets, 'survey-token': 'a-new-survey-token-secret' });

    expect(changed.tokenKey.equals(keys.tokenKey)).toBe(false);
    expect(changed.invitationIdKey.equals(keys.invitationIdKey)).toBe(true);
    expect(changed.phonePepper.equals(keys.phonePepper)).toBe(true);
    expect(changed.phoneKey.equals(keys.phoneKey)).toBe(true);
  });

  it('derives the pepper from its secret as the former single secret derived it, so deployed opt-outs keep matching', () => {
    // The pepper's secret keeps the former single secret's value in a deployed stack.
    const former = 'a-former-single-secret-of-enough-length';
    const formerPepper = Buffer.from(
      hkdfSync('sha256', former, 'telecom-service-quality', 'phone-hash', 32),
    );

    expect(deriveSurveyKey('phone-hash', former).equals(formerPepper)).toBe(true);
  });
});

describe('phoneHash', () => {
  it('matches the same number under one pepper and differs under another', () => {
    expect(phoneHash('pepper-a', '+8613800138000')).toBe(phoneHash('pepper-a', '+8613800138000'));
    expect(phoneHash('pepper-a', '+8613800138000')).not.toBe(
      phoneHash('pepper-b', '+8613800138000'),
    );
    expect(phoneHash('pepper-a', '+8613800138000')).not.toContain('13800138000');
  });
});

describe('survey definitions', () => {
  it('give every touchpoint a versioned CSAT 1–5, NPS 0–10 and optional comment in zh-CN and en', () => {
    for (const touchpoint of TOUCHPOINTS) {
      const survey = SURVEYS[touchpoint];
      expect(survey.version).toBeGreaterThanOrEqual(1);
      const [csat, nps, comment] = survey.questions;
      expect([csat.min, csat.max, nps.min, nps.max]).toEqual([1, 5, 0, 10]);
      expect(comment).toMatchObject({ optional: true, maxLength: 1000 });
      for (const question of survey.questions) {
        expect(question.text['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
        expect(question.text.en).toMatch(/^[\x20-\x7e]+$/);
      }
    }
  });
});
