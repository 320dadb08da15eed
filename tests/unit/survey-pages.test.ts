import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseSurveyAnswers,
  type SurveyLink,
  surveyLinkState,
} from '#shared/domain/survey-response.ts';
import { renderSurveyForm, renderUnavailable, SURVEY_PAGE_CSP } from '#shared/web/survey-pages.ts';

const link: SurveyLink = {
  invitationId: 'inv-1',
  locale: 'en',
  touchpoint: 'hotline',
  surveyVersion: 1,
  channel: 'web',
  region: 'SH',
  service: 'mobile_voice',
  linkExpiresAt: '2026-10-15T00:00:00.000Z',
};

describe('survey pages', () => {
  it('allow exactly their own inline style and nothing else', () => {
    const page = renderSurveyForm({ link, action: '/s/abc' });
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';

    expect(SURVEY_PAGE_CSP).toContain(
      `'sha256-${createHash('sha256').update(style).digest('base64')}'`,
    );
    expect(SURVEY_PAGE_CSP).toContain("default-src 'none'");
  });

  it('escapes what the customer typed when the form comes back with errors', () => {
    const page = renderSurveyForm({
      link,
      action: '/s/abc',
      values: { comment: '<script>alert(1)</script>' },
      errors: [{ pointer: '/csat', detail: 'is required' }],
    });

    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('aria-describedby="csat-error"');
    expect(page).toContain(
      '<a href="#csat">How satisfied are you with your call to our hotline?</a>',
    );
  });

  it('says the same, in both languages, for every unavailable link', () => {
    expect(renderUnavailable()).toContain('此调查链接已失效');
    expect(renderUnavailable()).toContain('This survey link is no longer available');
  });
});

describe('survey answers', () => {
  it('read form strings and JSON numbers, and drop an empty comment', () => {
    expect(parseSurveyAnswers({ csat: '5', nps: '0', comment: '  ' })).toEqual({
      success: true,
      answers: { csat: 5, nps: 0 },
    });
    expect(parseSurveyAnswers({ csat: 3, nps: 10, comment: '好' })).toEqual({
      success: true,
      answers: { csat: 3, nps: 10, comment: '好' },
    });
  });

  it('refuse scores out of range, missing ones and unknown fields', () => {
    const result = parseSurveyAnswers({ csat: '6', extra: 'x' });

    expect(result.success).toBe(false);
    expect(!result.success && result.errors.map((error) => error.pointer).sort()).toEqual([
      '/csat',
      '/extra',
      '/nps',
    ]);
  });

  it('refuse scores a form would not send: three digits, exponents, signs, full-width digits', () => {
    for (const csat of ['005', '5e0', '+5', '５', '5.0', ' 5']) {
      const result = parseSurveyAnswers({ csat, nps: '9' });

      expect(result.success, csat).toBe(false);
      expect(!result.success && result.errors.map((error) => error.pointer)).toEqual(['/csat']);
    }
    expect(parseSurveyAnswers({ csat: '05', nps: '10' }).success).toBe(true);
  });

  it('refuse a comment with a control character or a lone surrogate, and keep line breaks', () => {
    for (const comment of ['fine\u0000', 'bell\u0007', 'half \ud800', 'half \udc00 too']) {
      const result = parseSurveyAnswers({ csat: 5, nps: 9, comment });

      expect(result.success, JSON.stringify(comment)).toBe(false);
      expect(!result.success && result.errors.map((error) => error.pointer)).toEqual(['/comment']);
    }
    expect(parseSurveyAnswers({ csat: 5, nps: 9, comment: 'one\r\ntwo\tthree 😀' })).toEqual({
      success: true,
      answers: { csat: 5, nps: 9, comment: 'one\r\ntwo\tthree 😀' },
    });
  });

  it('know a link as open, used, expired or unknown', () => {
    const now = new Date('2026-10-10T00:00:00Z');
    expect(surveyLinkState(link, now)).toBe('open');
    expect(surveyLinkState({ ...link, answeredAt: '2026-10-09T00:00:00Z' }, now)).toBe('used');
    expect(surveyLinkState(link, new Date('2026-10-15T00:00:00Z'))).toBe('expired');
    expect(surveyLinkState(undefined, now)).toBe('unknown');
  });
});
