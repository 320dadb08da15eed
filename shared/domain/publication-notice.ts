import * as z from 'zod/mini';
import type { Profile } from '../indicators/profiles.ts';
import type { Group } from './people.ts';

/** Who is told of a publication unless the profile names its `audience`. */
export const DEFAULT_NOTICE_AUDIENCE: readonly Group[] = ['regulators', 'assessors'];

/** The groups told of a publication of the profile's reports. */
export const audienceOf = (profile: Pick<Profile, 'audience'>): readonly Group[] =>
  profile.audience ?? DEFAULT_NOTICE_AUDIENCE;

/**
 * A publication: a report index entry as it is written (the reports table's stream), or
 * the notice queue's message made from one. An edition after the first carries its number.
 */
export const PublicationSchema = z.object({
  reportId: z.string().check(z.minLength(1)),
  profile: z.string().check(z.minLength(1)),
  period: z.string().check(z.minLength(1)),
  edition: z._default(z.int().check(z.gte(1)), 1),
});
export type Publication = z.infer<typeof PublicationSchema>;

/** One e-mail of a notice, in both report languages. */
export interface NoticeEmail {
  subject: string;
  text: string;
}

/**
 * The e-mail that tells of a publication (docs/design.md §7): the profile, period, edition
 * and a link to the report in the portal, in Chinese and English. No figure and nothing
 * about anyone is in it: the figures are behind the portal's sign-in, so a forwarded or
 * misdirected notice discloses only that a report exists.
 */
export function renderNoticeEmail(
  publication: Publication,
  profile: Pick<Profile, 'id' | 'name'>,
  portalUrl: string,
): NoticeEmail {
  const link = `${portalUrl}/reports/${encodeURIComponent(publication.reportId)}`;
  const edition = publication.edition;
  const restated = edition > 1;
  const subject = restated
    ? `报告更正版已发布 / Report restated: ${profile.id} ${publication.period} (edition ${edition})`
    : `报告已发布 / Report published: ${profile.id} ${publication.period}`;
  const text = [
    restated
      ? `${profile.name['zh-CN']}（${profile.id}）${publication.period} 的报告已发布第 ${edition} 版，取代此前的版本。`
      : `${profile.name['zh-CN']}（${profile.id}）${publication.period} 的报告已发布。`,
    `请登录门户查看：${link}`,
    '',
    restated
      ? `Edition ${edition} of the ${profile.name.en} report for ${publication.period} (profile ${profile.id}) has been published; it supersedes the earlier edition.`
      : `The ${profile.name.en} report for ${publication.period} (profile ${profile.id}) has been published.`,
    `Sign in to the portal to read it: ${link}`,
    '',
    `Report ${publication.reportId}, edition ${edition}.`,
    '此邮件由系统自动发送，请勿回复。 This message was sent automatically; please do not reply.',
  ].join('\n');
  return { subject, text };
}
