import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueuedReportRun } from '../../domain/report-run.ts';

/** The report run queue, which the report builder consumes (the schedules write to it too). */
export function sqsReportRunQueue(client: SQSClient, QueueUrl: string) {
  return {
    async enqueue(run: QueuedReportRun): Promise<void> {
      await client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify({
            runId: run.runId,
            profile: run.profile,
            period: run.period,
            requestedBy: run.requestedBy,
          }),
        }),
      );
    },
  };
}
