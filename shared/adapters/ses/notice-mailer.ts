import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { NoticeMailer } from '../../use-cases/publication-notices.ts';

/** Publication notices through Amazon SES (v2), plain text, UTF-8, from the sender address. */
export function sesNoticeMailer(client: SESv2Client, from: string): NoticeMailer {
  return {
    async send(to, email) {
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: email.text, Charset: 'UTF-8' } },
            },
          },
        }),
      );
    },
  };
}
