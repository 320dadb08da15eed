import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { newImageOf } from '#shared/adapters/dynamodb/stream-images.ts';
import { sqsNoticeQueue } from '#shared/adapters/sqs/notice-queue.ts';
import { requireEnv } from '#shared/config.ts';
import { PublicationSchema } from '#shared/domain/publication-notice.ts';
import { logger } from '#shared/powertools/logger.ts';

const queue = sqsNoticeQueue(new SQSClient({}), requireEnv('NOTICE_QUEUE_URL'));
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** One new report index entry (the mapping's filter lets no other item through). */
async function queueNotice(record: DynamoDBRecord) {
  const publication = PublicationSchema.parse(newImageOf(record));
  await queue.enqueue(publication);
  logger.info('publication notice queued', publication);
}

/**
 * Publications, from the reports table's stream: each new index entry (a report, or an
 * edition of one) → one message on the notice queue, where the notice sender picks it up
 * and keeps it until every notice of it is sent (docs/design.md §7).
 */
export const handler = middy<DynamoDBStreamEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) =>
    processPartialResponse(event, queueNotice, processor, { context }),
  );
