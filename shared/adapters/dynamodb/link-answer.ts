import type { SurveyAnswers } from '../../domain/survey-response.ts';
import { surveyKeys } from '../../tables/surveys.ts';

/** Answers, whichever channel brought them; by SMS the survey may end without NPS. */
export type LinkAnswers = Omit<SurveyAnswers, 'nps'> & { nps?: number };

/**
 * The update that answers a link: the token item becomes the response (docs/data-model.md),
 * once. The condition is the single use: the link exists and has no answer yet and, when
 * `openAt` is given, is still open at that time. The answered item is kept for
 * the raw-data retention instead of a day past the link.
 */
export function answerLinkUpdate(options: {
  TableName: string;
  tokenHash: string;
  answers: LinkAnswers;
  channel: 'web' | 'sms';
  at: Date;
  retentionDays: number;
  openAt?: Date;
}) {
  const { answers, at } = options;
  const values: Record<string, unknown> = {
    ':at': at.toISOString(),
    ':by': options.channel,
    ':csat': answers.csat,
    ':purge': Math.floor(at.getTime() / 1000) + options.retentionDays * 86_400,
  };
  const sets = ['answeredAt = :at', 'answeredBy = :by', 'csat = :csat', 'expiresAt = :purge'];
  if (answers.nps !== undefined) {
    values[':nps'] = answers.nps;
    sets.push('nps = :nps');
  }
  if (answers.comment !== undefined) {
    // Personal data: encrypted at rest with the table, never logged or reported.
    values[':comment'] = answers.comment;
    sets.push('#comment = :comment');
  }
  let condition = 'attribute_exists(pk) AND attribute_not_exists(answeredAt)';
  if (options.openAt) {
    values[':open'] = options.openAt.toISOString();
    condition += ' AND linkExpiresAt > :open';
  }
  return {
    TableName: options.TableName,
    Key: surveyKeys.token(options.tokenHash),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: condition,
    ...(answers.comment !== undefined
      ? { ExpressionAttributeNames: { '#comment': 'comment' } }
      : {}),
    ExpressionAttributeValues: values,
  };
}
