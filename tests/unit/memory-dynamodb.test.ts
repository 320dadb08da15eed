import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ScanCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { dynamoDbComplaintStore } from '#shared/adapters/dynamodb/complaint-store.ts';
import type { ComplaintMessage } from '#shared/domain/complaint-event.ts';
import { AGGREGATES_TABLE } from '#shared/tables/aggregates.ts';
import { COMPLAINTS_TABLE, complaintKeys } from '#shared/tables/complaints.ts';
import { recordComplaintEvent } from '#shared/use-cases/record-complaint-event.ts';
import { itemSize, MemoryDynamoDb, numberSize } from '../../bench/scale/memory-dynamodb.ts';

const TABLE = 'aggregates';
const open: DynamoDBClient[] = [];

/** A store with the aggregates (no index) and complaints (three indexes) tables, and a client. */
function storeAndClient() {
  const store = new MemoryDynamoDb([
    { name: TABLE, design: AGGREGATES_TABLE },
    { name: 'complaints', design: COMPLAINTS_TABLE },
  ]);
  const client = store.client();
  open.push(client);
  return { store, client, documents: DynamoDBDocumentClient.from(client) };
}

afterEach(() => {
  for (const client of open.splice(0)) client.destroy();
});

/** An item of exactly `bytes` as DynamoDB sizes it (keys `pk`, `sk`, and a padding string). */
const sized = (pk: string, sk: string, bytes: number) => {
  const overhead = 'pk'.length + pk.length + 'sk'.length + sk.length + 'pad'.length;
  return { pk, sk, pad: 'x'.repeat(bytes - overhead) };
};

describe('item sizes', () => {
  it('counts attribute names and values, numbers by significant digits, maps and lists with overhead', () => {
    // Prepare, Act, Assess: name bytes + value bytes; UTF-8 for strings (深 is three bytes).
    expect(itemSize({ pk: { S: 'a' }, sk: { S: '深' } })).toBe(2 + 1 + 2 + 3);
    // 123.45: five significant digits → 3 bytes + 1; leading and trailing zeros are trimmed.
    expect(numberSize('123.45')).toBe(4);
    expect(numberSize('0.0012300')).toBe(3);
    expect(numberSize('-1e10')).toBe(2);
    expect(itemSize({ n: { N: '123.45' } })).toBe(1 + 4);
    // A map: 3 bytes, then per element 1 byte + its name + its value; booleans 1 byte.
    expect(itemSize({ m: { M: { ab: { S: 'xyz' }, t: { BOOL: true } } } })).toBe(
      1 + 3 + (1 + 2 + 3) + (1 + 1 + 1),
    );
    expect(itemSize({ l: { L: [{ S: 'ab' }, { NULL: true }] } })).toBe(1 + 3 + (1 + 2) + (1 + 1));
    const padded = sized('p', 's', 5222);
    expect(itemSize({ pk: { S: padded.pk }, sk: { S: padded.sk }, pad: { S: padded.pad } })).toBe(
      5222,
    );
  });
});

describe('read units', () => {
  it('bills a read in 4 KB blocks, half when eventually consistent (3.5 KB: 1 and 0.5; 10 KB: 3)', async () => {
    const { documents } = storeAndClient();
    await documents.send(new PutCommand({ TableName: TABLE, Item: sized('P', 'small', 3584) }));
    await documents.send(new PutCommand({ TableName: TABLE, Item: sized('P', 'large', 10240) }));

    const read = async (sk: string, ConsistentRead: boolean) =>
      (
        await documents.send(
          new GetCommand({
            TableName: TABLE,
            Key: { pk: 'P', sk },
            ConsistentRead,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        )
      ).ConsumedCapacity?.CapacityUnits;

    expect(await read('small', true)).toBe(1);
    expect(await read('small', false)).toBe(0.5);
    expect(await read('large', true)).toBe(3);
    expect(await read('missing', true)).toBe(1);
  });

  it('sums the items a Query reads before rounding up (40.8 KB: 44 KB, 11 units, not 16)', async () => {
    const { store, documents } = storeAndClient();
    for (let index = 0; index < 8; index += 1)
      await documents.send(
        new PutCommand({ TableName: TABLE, Item: sized('Q', `item-${index}`, 5222) }),
      );
    store.resetUsage();

    const pages = [];
    for await (const page of paginateQuery(
      { client: documents },
      {
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'Q' },
        ConsistentRead: true,
      },
    ))
      pages.push(page);

    expect(pages.flatMap((page) => page.Items ?? [])).toHaveLength(8);
    expect(store.usage.get(TABLE)?.get('Query')).toMatchObject({ calls: 1, readUnits: 11 });
  });

  it('rounds each item of a BatchGetItem up on its own (1.5 KB and 6.5 KB: 12 KB, 3 units)', async () => {
    const { store, documents } = storeAndClient();
    await documents.send(new PutCommand({ TableName: TABLE, Item: sized('B', 'one', 1536) }));
    await documents.send(new PutCommand({ TableName: TABLE, Item: sized('B', 'two', 6656) }));
    store.resetUsage();

    const { Responses } = await documents.send(
      new BatchGetCommand({
        RequestItems: {
          [TABLE]: {
            Keys: [
              { pk: 'B', sk: 'one' },
              { pk: 'B', sk: 'two' },
            ],
            ConsistentRead: true,
          },
        },
      }),
    );

    expect(Responses?.[TABLE]).toHaveLength(2);
    expect(store.usage.get(TABLE)?.get('BatchGetItem')?.readUnits).toBe(3);
  });
});

describe('write units', () => {
  it('bills 1 KB blocks of the larger of the old and new item, and transactional items twice', async () => {
    const { store, documents } = storeAndClient();
    const put = async (item: Record<string, unknown>) =>
      (
        await documents.send(
          new PutCommand({ TableName: TABLE, Item: item, ReturnConsumedCapacity: 'TOTAL' }),
        )
      ).ConsumedCapacity?.CapacityUnits;

    // 500 bytes: 1 unit; 1.5 KB: 2 units; 3.5 KB: 4 units.
    expect(await put(sized('W', 'a', 500))).toBe(1);
    expect(await put(sized('W', 'b', 1536))).toBe(2);
    expect(await put(sized('W', 'c', 3584))).toBe(4);
    // Shrinking the 3.5 KB item to 500 bytes still costs the old item's 4 units.
    expect(await put(sized('W', 'c', 500))).toBe(4);
    // An update that adds to a counter of a 1.5 KB item: 2 units.
    const updated = await documents.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'W', sk: 'b' },
        UpdateExpression: 'ADD #count :one',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(updated.Attributes?.count).toBe(1);
    expect(updated.ConsumedCapacity?.CapacityUnits).toBe(2);
    store.resetUsage();
    // A transaction of a 2 KB put and a 500-byte put: 2 × (2 + 1) units.
    const transacted = await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: sized('T', 'a', 2048) } },
          { Put: { TableName: TABLE, Item: sized('T', 'b', 500) } },
        ],
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );

    expect(transacted.ConsumedCapacity?.[0]?.CapacityUnits).toBe(6);
    expect(store.usage.get(TABLE)?.get('TransactWriteItems')).toMatchObject({
      calls: 1,
      writeUnits: 6,
      items: 2,
    });
  });

  it("bills each index's writes and counts them per index partition key (the month index's hot key)", async () => {
    const { store, client } = storeAndClient();
    const complaints = dynamoDbComplaintStore({
      client,
      tableName: 'complaints',
      reportingTimeZone: 'Asia/Shanghai',
      retentionDays: 400,
    });
    const message = (complaintId: string, type: 'created' | 'resolved', eventId: string) =>
      ({
        source: 'crm',
        receivedAt: '2026-10-08T01:00:00Z',
        event: {
          eventId,
          complaintId,
          type,
          occurredAt:
            type === 'created' ? '2026-10-08T09:00:00+08:00' : '2026-10-09T09:00:00+08:00',
          kind: 'complaint',
          category: 'billing',
          region: 'GD-SZ',
          service: 'mobile_data',
          via: 'direct',
          customerRef: `cust-${complaintId}`,
        },
      }) satisfies ComplaintMessage;

    for (let index = 0; index < 5; index += 1) {
      await recordComplaintEvent(complaints, message(`C${index}`, 'created', `e${index}-1`));
      await recordComplaintEvent(complaints, message(`C${index}`, 'resolved', `e${index}-2`));
    }
    const again = await recordComplaintEvent(complaints, message('C0', 'created', 'e0-1'));

    expect(again.outcome).toBe('duplicate');
    expect(store.itemCount('complaints')).toBe(5 * 3);
    // Every state write lands on its complaint's shard of the month on the created-month
    // index (once per event: an index is written after the commit, not twice as the
    // transaction's own items are), and the resolution's first write on the resolved-month
    // index's.
    const shardWrites = (unitsEach: number) => {
      const keys = new Map<string, number>();
      for (let index = 0; index < 5; index += 1) {
        const key = complaintKeys.monthIndexKey('2026-10', complaintKeys.pk('crm', `C${index}`));
        keys.set(key, (keys.get(key) ?? 0) + unitsEach);
      }
      return keys;
    };
    expect(store.partitionWrites.get('complaints/byCreatedMonth')).toEqual(shardWrites(2));
    expect(store.partitionWrites.get('complaints/byFirstResolvedMonth')).toEqual(shardWrites(1));
    expect(store.hottestPartition('complaints/byCreatedMonth')?.writeUnits).toBe(
      Math.max(...shardWrites(2).values()),
    );
    const transactions = store.usage.get('complaints')?.get('TransactWriteItems');
    expect(transactions?.calls).toBe(10);
    expect(transactions?.indexWriteUnits).toBeGreaterThan(0);
    expect(store.total('writeUnits')).toBe(
      [...(store.partitionWrites.values() ?? [])]
        .flatMap((keys) => [...keys.values()])
        .reduce((sum, units) => sum + units, 0),
    );
  });
});

describe('pagination', () => {
  it('pages a Query at 1 MB, in sort key order either way, and resumes where it stopped', async () => {
    const { store, documents } = storeAndClient();
    for (let index = 0; index < 3000; index += 1)
      store.put(TABLE, {
        pk: { S: 'PAGES' },
        sk: { S: `item-${String(index).padStart(4, '0')}` },
        pad: { S: 'x'.repeat(1000) },
      });
    const read = async (extra: Record<string, unknown>) => {
      const pages: Record<string, unknown>[][] = [];
      for await (const page of paginateQuery(
        { client: documents },
        {
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'PAGES' },
          ...extra,
        },
      ))
        pages.push(page.Items ?? []);
      return pages;
    };

    const forward = await read({});
    const backward = await read({ ScanIndexForward: false });
    const limited = await read({ Limit: 1000 });

    // 3,000 items of 1,021 bytes: a page holds 1,028 (the last one crosses 1 MB).
    expect(forward.map((page) => page.length)).toEqual([1028, 1028, 944]);
    const keys = forward.flat().map((item) => item.sk);
    expect(keys).toEqual([...keys].sort());
    expect(new Set(keys).size).toBe(3000);
    expect(backward.flat().map((item) => item.sk)).toEqual([...keys].reverse());
    expect(limited.map((page) => page.length)).toEqual([1000, 1000, 1000]);
  });

  it('pages an index Query by the index sort key and resumes from its LastEvaluatedKey', async () => {
    const { store, documents } = storeAndClient();
    for (let index = 0; index < 50; index += 1)
      store.put('complaints', {
        pk: { S: `COMPLAINT#crm#C${index}` },
        sk: { S: 'STATE' },
        createdMonth: { S: '2026-10' },
        createdAt: { S: `2026-10-${String(50 - index).padStart(2, '0')}T00:00:00.000Z` },
      });

    const pages: Record<string, unknown>[][] = [];
    for await (const page of paginateQuery(
      { client: documents, pageSize: 20 },
      {
        TableName: 'complaints',
        IndexName: 'byCreatedMonth',
        KeyConditionExpression: 'createdMonth = :month AND createdAt >= :from',
        ExpressionAttributeValues: { ':month': '2026-10', ':from': '2026-10-11' },
      },
    ))
      pages.push(page.Items ?? []);

    expect(pages.map((page) => page.length)).toEqual([20, 20]);
    const times = pages.flat().map((item) => String(item.createdAt));
    expect(times).toEqual([...times].sort());
    expect(times[0]).toBe('2026-10-11T00:00:00.000Z');
  });
});

describe('conditions', () => {
  it('refuses a conditional put with the SDK exception, changes nothing, and still bills it', async () => {
    const { store, documents } = storeAndClient();
    const put = (value: string) =>
      documents.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: 'C', sk: 'once', value },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put('first');

    await expect(put('second')).rejects.toBeInstanceOf(ConditionalCheckFailedException);

    const { Item } = await documents.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'C', sk: 'once' } }),
    );
    expect(Item?.value).toBe('first');
    expect(store.usage.get(TABLE)?.get('PutItem')).toMatchObject({
      calls: 2,
      writeUnits: 2,
      items: 1,
    });
  });

  it('cancels a whole transaction when one condition fails, with a reason per item', async () => {
    const { store, documents } = storeAndClient();
    await documents.send(
      new PutCommand({ TableName: TABLE, Item: { pk: 'X', sk: 'v', version: 2 } }),
    );

    const attempt = documents.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { pk: 'X', sk: 'new' } } },
          {
            Update: {
              TableName: TABLE,
              Key: { pk: 'X', sk: 'v' },
              UpdateExpression: 'SET version = :next',
              ConditionExpression: 'version = :expected',
              ExpressionAttributeValues: { ':expected': 1, ':next': 2 },
            },
          },
        ],
      }),
    );

    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual(
      ['None', 'ConditionalCheckFailed'],
    );
    expect(store.itemCount(TABLE)).toBe(1);
  });

  it('evaluates AND, OR, NOT, comparisons, BETWEEN, IN, begins_with and size', async () => {
    const { documents } = storeAndClient();
    await documents.send(
      new PutCommand({ TableName: TABLE, Item: { pk: 'E', sk: 'e', n: 5, s: 'abc', tags: ['a'] } }),
    );
    const holds = (ConditionExpression: string, values: Record<string, unknown> = {}) =>
      documents
        .send(
          new UpdateCommand({
            TableName: TABLE,
            Key: { pk: 'E', sk: 'e' },
            UpdateExpression: 'SET touched = :t',
            ConditionExpression,
            ExpressionAttributeValues: { ':t': true, ...values },
          }),
        )
        .then(
          () => true,
          (error: unknown) => {
            if (error instanceof ConditionalCheckFailedException) return false;
            throw error;
          },
        );

    expect(await holds('n BETWEEN :a AND :b', { ':a': 1, ':b': 5 })).toBe(true);
    expect(await holds('n IN (:a, :b)', { ':a': 1, ':b': 2 })).toBe(false);
    expect(await holds('begins_with(s, :p) AND NOT n > :a', { ':p': 'ab', ':a': 5 })).toBe(true);
    expect(await holds('size(tags) = :one OR n < :a', { ':one': 1, ':a': 0 })).toBe(true);
    expect(await holds('attribute_exists(missing) OR n <> :a', { ':a': 5 })).toBe(false);
  });
});

describe('what it does not implement', () => {
  it('refuses an operation the adapters do not use, loudly and without retrying', async () => {
    const { client } = storeAndClient();

    const error = await client.send(new ScanCommand({ TableName: TABLE })).catch((e) => e);

    expect(error).toMatchObject({
      name: 'UnsupportedByMemoryDynamoDbException',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    expect(String(error.message)).toContain('Scan is not implemented');
  });

  it('answers a client in another process the same way, over loopback HTTP', async () => {
    const { store } = storeAndClient();
    store.put(TABLE, { pk: { S: 'H' }, sk: { S: 'h' }, value: { N: '7' } });
    const server = await store.listen();
    const remote = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const { Item } = await DynamoDBDocumentClient.from(remote).send(
        new GetCommand({ TableName: TABLE, Key: { pk: 'H', sk: 'h' } }),
      );
      expect(Item?.value).toBe(7);
    } finally {
      remote.destroy();
      await server.close();
    }
  });
});
