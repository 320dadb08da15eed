import * as z from 'zod/mini';
import type { Locale, Touchpoint } from './survey-definitions.ts';
import { type FieldError, fieldErrorsOf } from './validation.ts';

/** What a survey link leads to: its token item, read in one request. */
export interface SurveyLink {
  invitationId: string;
  locale: Locale;
  touchpoint: Touchpoint;
  surveyVersion: number;
  channel: 'sms' | 'web';
  region: string;
  service: string;
  linkExpiresAt: string;
  /** Set once, when the link is answered (by web or by SMS). */
  answeredAt?: string;
}

export type SurveyLinkState = 'open' | 'used' | 'expired' | 'unknown';

/** Whether a link can still be answered at `now`. */
export function surveyLinkState(link: SurveyLink | undefined, now: Date): SurveyLinkState {
  if (!link) return 'unknown';
  if (link.answeredAt) return 'used';
  return Date.parse(link.linkExpiresAt) <= now.getTime() ? 'expired' : 'open';
}

const score = (min: number, max: number) =>
  z
    .pipe(
      z.union([
        z.number(),
        z.string().check(z.regex(/^\d{1,2}$/, `must be a whole number from ${min} to ${max}`)),
      ]),
      z.transform((value) => Number(value)),
    )
    .check(
      z.refine(
        (value) => Number.isInteger(value) && value >= min && value <= max,
        `must be a whole number from ${min} to ${max}`,
      ),
    );

/**
 * Text a person can have typed: no control characters but tab and line breaks, and no
 * lone UTF-16 surrogate (which no UTF-8 store or page could hold).
 */
function isPlainText(text: string): boolean {
  return (
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
    !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) &&
    !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)
  );
}

/** The survey form's fields (docs/design.md §3), form-encoded or JSON. */
export const SurveyAnswersSchema = z.strictObject({
  csat: score(1, 5),
  nps: score(0, 10),
  comment: z.optional(
    z
      .string()
      .check(
        z.maxLength(1000, 'must be at most 1000 characters'),
        z.refine(isPlainText, 'must be text, without control characters or lone surrogates'),
      ),
  ),
});
export type SurveyAnswers = z.infer<typeof SurveyAnswersSchema>;

/** Reads submitted answers; an empty comment is no comment. */
export function parseSurveyAnswers(
  body: Record<string, unknown>,
): { success: true; answers: SurveyAnswers } | { success: false; errors: FieldError[] } {
  const { comment, ...rest } = body;
  const trimmed = typeof comment === 'string' ? comment.trim() : comment;
  const parsed = SurveyAnswersSchema.safeParse(
    trimmed === '' || trimmed === undefined ? rest : { ...rest, comment: trimmed },
  );
  return parsed.success
    ? { success: true, answers: parsed.data }
    : { success: false, errors: fieldErrorsOf(parsed.error) };
}
