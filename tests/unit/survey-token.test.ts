import { describe, expect, it } from 'vitest';
import { SURVEYS, TOUCHPOINTS } from '#shared/domain/survey-definitions.ts';
import {
  deriveSurveyKeys,
  hashSurveyToken,
  invitationIdFor,
  looksLikeSurveyToken,
  phoneHash,
  surveyTokenFor,
} from '#shared/domain/survey-token.ts';

describe('survey tokens', () => {
  const keys = deriveSurveyKeys('a-deployment-secret-of-enough-length');

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
    const other = deriveSurveyKeys('another-deployment-secret-of-length');

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
