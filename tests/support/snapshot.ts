import { DynamoDBClient, ListTablesCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import {
  ListBucketsCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';

/** Everything the app keeps in the emulator, as text that compares equal when nothing changed. */
export interface StoredState {
  /** Each table's items, sorted (one JSON line per item). */
  tables: Record<string, string[]>;
  /** Each queue's messages: waiting, in flight, delayed (counts: reading one would hide it). */
  queues: Record<string, { waiting: string; inFlight: string; delayed: string }>;
  /** Each bucket's object versions and delete markers, with their sizes and ETags. */
  buckets: Record<string, string[]>;
}

/**
 * Reads every table (scan), queue (approximate counts, which do not touch the messages)
 * and bucket (versions and delete markers) of the sandbox's emulator straight from it,
 * past the proxy, so the reading is neither counted nor faulted.
 */
export async function snapshotStoredState(sandbox: Sandbox): Promise<StoredState> {
  const config = {
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  };
  const dynamodb = new DynamoDBClient(config);
  const sqs = new SQSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  try {
    const state: StoredState = { tables: {}, queues: {}, buckets: {} };
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    for (const TableName of TableNames) {
      const items: string[] = [];
      for await (const page of paginateScan({ client: dynamodb }, { TableName })) {
        for (const item of page.Items ?? []) items.push(JSON.stringify(sortedKeys(item)));
      }
      state.tables[TableName] = items.sort();
    }
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    for (const QueueUrl of QueueUrls) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      state.queues[QueueUrl.split('/').at(-1) ?? QueueUrl] = {
        waiting: Attributes.ApproximateNumberOfMessages ?? '?',
        inFlight: Attributes.ApproximateNumberOfMessagesNotVisible ?? '?',
        delayed: Attributes.ApproximateNumberOfMessagesDelayed ?? '?',
      };
    }
    const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
    for (const { Name: Bucket } of Buckets) {
      if (!Bucket) continue;
      const versions: string[] = [];
      let page: ListObjectVersionsCommandOutput | undefined;
      do {
        page = await s3.send(
          new ListObjectVersionsCommand({
            Bucket,
            ...(page?.NextKeyMarker ? { KeyMarker: page.NextKeyMarker } : {}),
            ...(page?.NextVersionIdMarker ? { VersionIdMarker: page.NextVersionIdMarker } : {}),
          }),
        );
        for (const version of page.Versions ?? []) {
          versions.push(`${version.Key} ${version.VersionId} ${version.Size} ${version.ETag}`);
        }
        for (const marker of page.DeleteMarkers ?? []) {
          versions.push(`${marker.Key} ${marker.VersionId} delete-marker`);
        }
      } while (page.IsTruncated);
      state.buckets[Bucket] = versions.sort();
    }
    return state;
  } finally {
    dynamodb.destroy();
    sqs.destroy();
    s3.destroy();
  }
}

/** An item with its attributes in name order, so that equal items print equal. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, inner]) => [name, sortedKeys(inner)]),
    );
  }
  return value;
}
