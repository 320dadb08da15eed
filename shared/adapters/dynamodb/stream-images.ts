import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod/mini';

/**
 * A stream image: attribute names to DynamoDB-JSON values, which `unmarshall` reads (and
 * refuses when a value is of no DynamoDB type). Checked by hand rather than with
 * `z.record`, which would add ~3.5 KB to each stream consumer's bundle.
 */
const StreamImageSchema = z.custom<Record<string, AttributeValue>>(
  (image) =>
    typeof image === 'object' &&
    image !== null &&
    Object.values(image).every((value) => typeof value === 'object' && value !== null),
  'must be a DynamoDB stream image',
);

/**
 * A stream record's new image as the item was written (plain values, numbers as
 * numbers), for the consumer's schema to parse; a record without one is an empty item.
 */
export function newImageOf(record: DynamoDBRecord): Record<string, unknown> {
  return unmarshall(StreamImageSchema.parse(record.dynamodb?.NewImage ?? {}));
}

/** A stream record's old image (MODIFY and REMOVE records), or undefined when it has none. */
export function oldImageOf(record: DynamoDBRecord): Record<string, unknown> | undefined {
  const image = record.dynamodb?.OldImage;
  return image === undefined ? undefined : unmarshall(StreamImageSchema.parse(image));
}
