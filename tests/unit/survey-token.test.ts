import { describe, expect, it } from 'vitest';
import { SURVEYS, TOUCHPOINTS } from '#shared/domain/survey-definitions.ts';
import {
  hashSurveyToken,
  looksLikeSurveyToken,
  newSurveyToken,
  phoneHash,
} from '#shared/domain/survey-token.ts';

describe('survey tokens', () => {
  it('carry 256 random bits, URL-safe, never twice the same', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newSurveyToken));

    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(looksLikeSurveyToken(token)).toBe(true);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    }
  });

  it('are stored as a hash that does not reveal them', () => {
    const token = newSurveyToken();

    expect(hashSurveyToken(token)).toBe(hashSurveyToken(token));
    expect(hashSurveyToken(token)).not.toContain(token);
    expect(hashSurveyToken(token)).not.toBe(hashSurveyToken(newSurveyToken()));
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
