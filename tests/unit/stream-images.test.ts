import { readFileSync } from 'node:fs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { newImageOf } from '#shared/adapters/dynamodb/stream-images.ts';

const sample = JSON.parse(
  readFileSync(new URL('../../events/answered-link.stream.json', import.meta.url), 'utf8'),
) as DynamoDBStreamEvent;

describe('newImageOf', () => {
  it("reads a stream record's new image as the item was written, numbers as numbers", () => {
    const [record] = sample.Records;
    if (!record) throw new Error('the sample has no record');

    expect(newImageOf(record)).toMatchObject({
      sk: 'TOKEN',
      invitationId: 'Xq3vR8kT2mN5pL9wZ4yB7g',
      answeredBy: 'web',
      csat: 5,
      nps: 9,
      surveyVersion: 1,
    });
  });

  it('reads a record without a new image (a removal) as an empty item', () => {
    expect(newImageOf({ eventName: 'REMOVE', dynamodb: { SequenceNumber: '1' } })).toEqual({});
  });

  it('refuses an image whose values are not DynamoDB attribute values', () => {
    const record = {
      dynamodb: { NewImage: { csat: 5 } },
    } as unknown as DynamoDBStreamEvent['Records'][number];

    expect(() => newImageOf(record)).toThrow();
  });
});
