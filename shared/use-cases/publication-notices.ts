import type { Group } from '../domain/people.ts';
import {
  audienceOf,
  type NoticeEmail,
  type Publication,
  renderNoticeEmail,
} from '../domain/publication-notice.ts';
import type { Profile } from '../indicators/profiles.ts';
import { UnknownProfileError } from './build-report.ts';

/** Where publications wait for their notices to be sent. */
export interface NoticeQueue {
  enqueue(publication: Publication): Promise<void>;
}

/** A person to tell: the user pool's subject (what the log keeps) and their address. */
export interface NoticeRecipient {
  subject: string;
  email: string;
}

/** The enabled people of some groups, each once. */
export interface NoticeAudience {
  membersOf(groups: readonly Group[]): Promise<NoticeRecipient[]>;
}

/** Which notices of a report went out, by recipient subject: a retry sends only the rest. */
export interface NoticeLog {
  wasSent(reportId: string, subject: string): Promise<boolean>;
  sent(reportId: string, subject: string, at: Date): Promise<void>;
}

/** Amazon SES, from the deployment's sender address. */
export interface NoticeMailer {
  send(to: string, email: NoticeEmail): Promise<void>;
}

export interface PublicationNotices {
  audience: NoticeAudience;
  log: NoticeLog;
  mailer: NoticeMailer;
  profiles: Readonly<Record<string, Profile>>;
  /** The portal's front page (`{publicBaseUrl}/portal`). */
  portalUrl: string;
  now: () => Date;
}

/** Some notices of a publication could not be sent: the message is retried for them. */
export class NoticesNotSentError extends Error {
  override name = 'NoticesNotSentError';
}

/**
 * Tells the audience of a publication's profile (docs/design.md §7): one e-mail per person,
 * each logged once sent, so that a retry (SES refused one, the function died) sends only
 * those not yet sent. A person is told at least once; one whose send landed but was not
 * logged is told twice.
 */
export async function sendPublicationNotices(
  notices: PublicationNotices,
  publication: Publication,
): Promise<{ sent: number; alreadySent: number; recipients: number }> {
  const profile = notices.profiles[publication.profile];
  if (!profile) throw new UnknownProfileError(`there is no profile "${publication.profile}"`);
  const recipients = await notices.audience.membersOf(audienceOf(profile));
  const email = renderNoticeEmail(publication, profile, notices.portalUrl);
  let sent = 0;
  let alreadySent = 0;
  const failures: string[] = [];
  for (const recipient of recipients) {
    if (await notices.log.wasSent(publication.reportId, recipient.subject)) {
      alreadySent += 1;
      continue;
    }
    try {
      await notices.mailer.send(recipient.email, email);
      await notices.log.sent(publication.reportId, recipient.subject, notices.now());
      sent += 1;
    } catch (error) {
      failures.push(error instanceof Error ? error.name : 'UnknownError');
    }
  }
  if (failures.length > 0) {
    throw new NoticesNotSentError(
      `${failures.length} of ${recipients.length} notices were not sent (${[...new Set(failures)].join(', ')})`,
    );
  }
  return { sent, alreadySent, recipients: recipients.length };
}
