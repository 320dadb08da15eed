import { describe, expect, it } from 'vitest';
import { SURVEYS, TOUCHPOINTS } from '#shared/domain/survey-definitions.ts';
import {
  deriveSurveyKeys,
  hashSurveyToken,
  looksLikeSurveyToken,
  newInvitationId,
  phoneHash,
  surveyTokenFor,
} from '#shared/domain/survey-token.ts';

describe('survey tokens', () => {
  const keys = deriveSurveyKeys('a-deployment-secret-of-enough-length');

  it('come from 128-bit random invitation ids, URL-safe, never twice the same', () => {
    const ids = Array.from({ length: 1000 }, newInvitationId);
    const tokens = new Set(ids.map((id) => surveyTokenFor(keys.tokenKey, id)));

    expect(new Set(ids).size).toBe(1000);
    expect(Buffer.from(ids[0] ?? '', 'base64url')).toHaveLength(16);
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(looksLikeSurveyToken(token)).toBe(true);
  });

  it('are derived again identically, and differ under another deployment secret', () => {
    const id = newInvitationId();
    const other = deriveSurveyKeys('another-deployment-secret-of-length');

    expect(surveyTokenFor(keys.tokenKey, id)).toBe(surveyTokenFor(keys.tokenKey, id));
    expect(surveyTokenFor(other.tokenKey, id)).not.toBe(surveyTokenFor(keys.tokenKey, id));
    expect(keys.tokenKey.equals(keys.phonePepper)).toBe(false);
  });

  it('are stored as a hash that does not reveal them', () => {
    const token = surveyTokenFor(keys.tokenKey, newInvitationId());

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
