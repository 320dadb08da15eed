import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Publication } from '../../domain/publication-notice.ts';
import type { NoticeQueue } from '../../use-cases/publication-notices.ts';

/** The notice queue: one message per publication, naming the report and its edition. */
export function sqsNoticeQueue(client: SQSClient, QueueUrl: string): NoticeQueue {
  return {
    async enqueue(publication: Publication) {
      await client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify({
            reportId: publication.reportId,
            profile: publication.profile,
            period: publication.period,
            edition: publication.edition,
          }),
        }),
      );
    },
  };
}
