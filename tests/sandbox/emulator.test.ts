/*
 * The emulator as the sandbox and the tests start it (sandbox/emulator/moto_server.py): its
 * performance fixes must not change what DynamoDB answers. Every attribute type comes back
 * exactly as written, from the table and from its stream; a cancelled or refused
 * transaction leaves the table and its stream as they were; a Query answers its
 * partition's items alone, as moto did; an update expression kept parsed applies afresh to
 * every item. Nor what SQS answers: receipt handles, visibility, counts, redrive, FIFO
 * groups and deduplication. The sandbox's proxy in front of it keeps its callers'
 * connections open.
 */
import { Agent, request } from 'node:http';
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EmulatorProxy } from '#sandbox/emulator/emulator-proxy.ts';
import { type RunningEmulator, startMoto } from '#sandbox/emulator/moto.ts';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';

let emulator: RunningEmulator;
let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let sqs: SQSClient;
let streamArn: string;
const TableName = 'emulator-check';

beforeAll(async () => {
  emulator = await startMoto();
  const config = {
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: emulatorCredentials,
  };
  dynamodb = new DynamoDBClient(config);
  streams = new DynamoDBStreamsClient(config);
  sqs = new SQSClient(config);
  const { TableDescription } = await dynamodb.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  streamArn = TableDescription?.LatestStreamArn ?? '';
});

afterAll(async () => {
  dynamodb?.destroy();
  streams?.destroy();
  sqs?.destroy();
  await emulator?.stop();
});

/** One attribute of every type, nested in lists and maps, binary among plain values. */
const everyType: Record<string, AttributeValue> = {
  pk: { S: 'CUSTOMER#甲' },
  sk: { S: 'EVERY-TYPE' },
  text: { S: '满意 — “quoted”\n' },
  empty: { S: '' },
  number: { N: '-12.50' },
  large: { N: '123456789012345678901234567890' },
  yes: { BOOL: true },
  no: { BOOL: false },
  nothing: { NULL: true },
  strings: { SS: ['a', 'b'] },
  numbers: { NS: ['1', '2.5'] },
  bytes: { B: new Uint8Array([0, 1, 254, 255]) },
  byteSet: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
  list: {
    L: [
      { S: 'x' },
      { N: '3' },
      { L: [] },
      { M: { inner: { BOOL: false }, blob: { B: new Uint8Array([9]) } } },
    ],
  },
  map: { M: { empty: { M: {} }, set: { SS: ['z'] }, deep: { M: { n: { N: '0' } } } } },
};

/** Sets compare as sets: DynamoDB does not keep their order. */
function normalised(item: Record<string, AttributeValue> | undefined): unknown {
  return JSON.parse(
    JSON.stringify(item, (_key, value) => {
      if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const kind of ['SS', 'NS', 'BS'] as const) {
          if (Array.isArray(value[kind])) return { [kind]: value[kind].map(String).sort() };
        }
      }
      return value;
    }),
  );
}

const key = { pk: everyType.pk, sk: everyType.sk } as Record<string, AttributeValue>;

it('returns every attribute type exactly as written: item reads, writes and its stream', async () => {
  await dynamodb.send(new PutItemCommand({ TableName, Item: everyType }));

  const read = await dynamodb.send(
    new GetItemCommand({ TableName, Key: key, ConsistentRead: true }),
  );
  expect(normalised(read.Item)).toEqual(normalised(everyType));

  const queried = await dynamodb.send(
    new QueryCommand({
      TableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': everyType.pk as AttributeValue },
    }),
  );
  expect(queried.Items?.map(normalised)).toEqual([normalised(everyType)]);

  const updated = await dynamodb.send(
    new UpdateItemCommand({
      TableName,
      Key: key,
      UpdateExpression: 'SET #number = :n',
      ExpressionAttributeNames: { '#number': 'number' },
      ExpressionAttributeValues: { ':n': { N: '7' } },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const after = { ...everyType, number: { N: '7' } };
  expect(normalised(updated.Attributes)).toEqual(normalised(after));

  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: streamArn }),
  );
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: StreamDescription?.Shards?.[0]?.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const { Records = [] } = await streams.send(new GetRecordsCommand({ ShardIterator }));
  expect(Records.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY']);
  const [insert, modify] = Records;
  expect(normalised(insert?.dynamodb?.NewImage as Record<string, AttributeValue>)).toEqual(
    normalised(everyType),
  );
  expect(normalised(modify?.dynamodb?.OldImage as Record<string, AttributeValue>)).toEqual(
    normalised(everyType),
  );
  expect(normalised(modify?.dynamodb?.NewImage as Record<string, AttributeValue>)).toEqual(
    normalised(after),
  );
  expect(normalised(modify?.dynamodb?.Keys as Record<string, AttributeValue>)).toEqual(
    normalised(key),
  );
  expect(modify?.dynamodb?.ApproximateCreationDateTime).toBeInstanceOf(Date);
});

it('leaves the table as it was when a transaction is cancelled', async () => {
  const counter = (n: number) => ({
    pk: { S: 'COUNTER' },
    sk: { S: String(n).padStart(3, '0') },
    count: { N: '1' },
  });
  for (let n = 0; n < 40; n += 1) {
    await dynamodb.send(new PutItemCommand({ TableName, Item: counter(n) }));
  }
  const table = async () =>
    ((await dynamodb.send(new ScanCommand({ TableName, ConsistentRead: true }))).Items ?? [])
      .map(normalised)
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const before = await table();

  // Thirty increments, then one whose condition fails: none of them may stay.
  const increments = Array.from({ length: 30 }, (_, n) => ({
    Update: {
      TableName,
      Key: { pk: { S: 'COUNTER' }, sk: { S: String(n).padStart(3, '0') } },
      UpdateExpression: 'ADD #count :one',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': { N: '1' } },
    },
  }));
  const failing = {
    ConditionCheck: {
      TableName,
      Key: { pk: { S: 'COUNTER' }, sk: { S: '039' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
  const cancelled = await dynamodb
    .send(new TransactWriteItemsCommand({ TransactItems: [...increments, failing] }))
    .catch((error: unknown) => error);
  expect(cancelled).toBeInstanceOf(TransactionCanceledException);
  expect(await table()).toEqual(before);

  // The same increments alone go through, every one of them.
  await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: increments }));
  const counts = (await table())
    .filter((item) => (item as { pk: { S: string } }).pk.S === 'COUNTER')
    .map((item) => (item as { count: { N: string } }).count.N);
  expect(counts.filter((count) => count === '2')).toHaveLength(30);
  expect(counts.filter((count) => count === '1')).toHaveLength(10);
});

/** Every record the table's stream holds, oldest first. */
async function streamRecords() {
  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: streamArn }),
  );
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: StreamDescription?.Shards?.[0]?.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  return (await streams.send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
}

it("undoes a refused transaction's puts, updates and deletes, and leaves no stream record of it", async () => {
  const item = (sk: string, note: string) => ({
    pk: { S: 'UNDONE' },
    sk: { S: sk },
    note: { S: note },
  });
  await dynamodb.send(new PutItemCommand({ TableName, Item: item('kept', 'as it was') }));
  await dynamodb.send(new PutItemCommand({ TableName, Item: item('deleted', 'as it was') }));
  const items = async () =>
    (
      (
        await dynamodb.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: 'UNDONE' } },
            ConsistentRead: true,
          }),
        )
      ).Items ?? []
    ).map(normalised);
  const before = await items();
  const recordsBefore = (await streamRecords()).length;

  const writes = [
    { Put: { TableName, Item: item('new', 'never stored') } },
    {
      Update: {
        TableName,
        Key: { pk: { S: 'UNDONE' }, sk: { S: 'kept' } },
        UpdateExpression: 'SET note = :note',
        ExpressionAttributeValues: { ':note': { S: 'changed' } },
      },
    },
    { Delete: { TableName, Key: { pk: { S: 'UNDONE' }, sk: { S: 'deleted' } } } },
  ];
  // Cancelled by a failed condition, and refused for naming one item twice.
  const cancelled = await dynamodb
    .send(
      new TransactWriteItemsCommand({
        TransactItems: [
          ...writes,
          {
            ConditionCheck: {
              TableName,
              Key: { pk: { S: 'UNDONE' }, sk: { S: 'missing' } },
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
        ],
      }),
    )
    .catch((error: unknown) => error);
  expect(cancelled).toBeInstanceOf(TransactionCanceledException);
  const refused = await dynamodb
    .send(
      new TransactWriteItemsCommand({
        TransactItems: [...writes, { Put: { TableName, Item: item('new', 'twice') } }],
      }),
    )
    .catch((error: unknown) => error);
  expect((refused as Error).name).toBe('ValidationException');

  expect(await items()).toEqual(before);
  expect(await streamRecords()).toHaveLength(recordsBefore);

  // The same writes alone go through, and the stream tells of each.
  await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: writes }));
  expect(await items()).toEqual(
    [item('kept', 'changed'), item('new', 'never stored')].map(normalised),
  );
  const added = (await streamRecords()).slice(recordsBefore);
  expect(added.map((record) => record.eventName).sort()).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
});

it("answers a Query with its partition's items alone: in key order either way, by range, by page", async () => {
  // Partitions on either side of the asked one, written out of order.
  for (const pk of ['PART#b', 'PART#a', 'PART#c']) {
    for (const sk of ['3', '1', '2', '10']) {
      await dynamodb.send(
        new PutItemCommand({
          TableName,
          Item: { pk: { S: pk }, sk: { S: sk }, v: { S: pk + sk } },
        }),
      );
    }
  }
  const query = async (extra: Partial<ConstructorParameters<typeof QueryCommand>[0]> = {}) =>
    dynamodb.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'PART#b' } },
        ...extra,
      }),
    );
  const values = (items: Record<string, AttributeValue>[] | undefined) =>
    (items ?? []).map((item) => item.v?.S);

  expect(values((await query()).Items)).toEqual(['PART#b1', 'PART#b10', 'PART#b2', 'PART#b3']);
  expect(values((await query({ ScanIndexForward: false })).Items)).toEqual([
    'PART#b3',
    'PART#b2',
    'PART#b10',
    'PART#b1',
  ]);
  const ranged = await query({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :one)',
    ExpressionAttributeValues: { ':pk': { S: 'PART#b' }, ':one': { S: '1' } },
  });
  expect(values(ranged.Items)).toEqual(['PART#b1', 'PART#b10']);
  const first = await query({ Limit: 3 });
  const rest = await query({ Limit: 3, ExclusiveStartKey: first.LastEvaluatedKey });
  expect([...values(first.Items), ...values(rest.Items)]).toEqual([
    'PART#b1',
    'PART#b10',
    'PART#b2',
    'PART#b3',
  ]);
  expect(rest.LastEvaluatedKey).toBeUndefined();
  const none = await query({ ExpressionAttributeValues: { ':pk': { S: 'PART#none' } } });
  expect(none.Items).toEqual([]);
});

it('applies one update expression text afresh to each item, names and values', async () => {
  // The launcher keeps an expression's parse by its text: nothing of one update may leak
  // into the next, whatever its names, values or item.
  const expression =
    'SET #field = if_not_exists(#field, :start) + :step, history = list_append(if_not_exists(history, :none), :entry)';
  const update = (sk: string, field: string, start: string, step: string) =>
    dynamodb.send(
      new UpdateItemCommand({
        TableName,
        Key: { pk: { S: 'PARSED-ONCE' }, sk: { S: sk } },
        UpdateExpression: expression,
        ExpressionAttributeNames: { '#field': field },
        ExpressionAttributeValues: {
          ':start': { N: start },
          ':step': { N: step },
          ':none': { L: [] },
          ':entry': { L: [{ S: `${field}+${step}` }] },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
  const values = async (sk: string) =>
    normalised((await update(sk, 'a', '0', '0')).Attributes) as Record<string, unknown>;

  await update('one', 'a', '10', '1');
  await update('two', 'b', '100', '5');
  await update('one', 'a', '10', '2');
  await update('one', 'c', '7', '3');

  expect(await values('one')).toEqual({
    pk: { S: 'PARSED-ONCE' },
    sk: { S: 'one' },
    a: { N: '13' },
    c: { N: '10' },
    history: { L: [{ S: 'a+1' }, { S: 'a+2' }, { S: 'c+3' }, { S: 'a+0' }] },
  });
  expect(await values('two')).toEqual({
    pk: { S: 'PARSED-ONCE' },
    sk: { S: 'two' },
    a: { N: '0' },
    b: { N: '105' },
    history: { L: [{ S: 'b+5' }, { S: 'a+0' }] },
  });
});

it('rejects an update expression that does not parse, every time it is sent', async () => {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const rejected = await dynamodb
      .send(
        new UpdateItemCommand({
          TableName,
          Key: { pk: { S: 'PARSED-ONCE' }, sk: { S: 'bad' } },
          UpdateExpression: 'SET a = = :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      )
      .catch((error: unknown) => error);
    expect((rejected as Error).name).toBe('ValidationException');
  }
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName, Key: { pk: { S: 'PARSED-ONCE' }, sk: { S: 'bad' } } }),
  );
  expect(Item).toBeUndefined();
});

it("keeps a caller's connection to the sandbox proxy open, though moto closes its own", async () => {
  const proxy = await EmulatorProxy.start(emulator.endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const listTables = () =>
    new Promise<{ status: number; reused: boolean; connection: string | undefined; body: string }>(
      (resolve, reject) => {
        const call = request(
          `${proxy.endpoint}/`,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/x-amz-json-1.0',
              'x-amz-target': 'DynamoDB_20120810.ListTables',
              authorization:
                'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
            },
          },
          (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              body += chunk;
            });
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                reused: call.reusedSocket,
                connection: response.headers.connection,
                body,
              }),
            );
          },
        );
        call.on('error', reject);
        call.end('{}');
      },
    );
  try {
    const first = await listTables();
    const second = await listTables();
    expect(first.status).toBe(200);
    expect(JSON.parse(second.body).TableNames).toContain(TableName);
    expect(second.connection).not.toBe('close');
    expect(second.reused).toBe(true);
    // Each call is counted with the time the emulator took to answer it.
    expect(proxy.counts.get('DynamoDB_20120810.ListTables')).toMatchObject({ calls: 2 });
    expect(proxy.counts.get('DynamoDB_20120810.ListTables')?.ms).toBeGreaterThan(0);
  } finally {
    agent.destroy();
    await proxy.stop();
  }
});

/** A queue of this file's own; answers its URL. */
async function queue(QueueName: string, Attributes: Record<string, string> = {}) {
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName, Attributes }));
  return QueueUrl;
}

/** Up to `max` messages, their receive counts with them, each invisible for `visibility` s. */
async function receive(QueueUrl: string, max = 10, visibility = 30): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: max,
      VisibilityTimeout: visibility,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  return Messages;
}

/** The queue's visible, in-flight and delayed message counts. */
async function counts(QueueUrl: string) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

const errorName = (error: unknown) => (error as Error).name;

it('deletes and shows again a message by any receipt handle it was given, and no other', async () => {
  const first = await queue('sqs-handles');
  const second = await queue('sqs-handles-other');
  for (const body of ['one', 'two', 'three']) {
    await sqs.send(new SendMessageCommand({ QueueUrl: first, MessageBody: body }));
  }
  const received = await receive(first);
  expect(received.map((message) => message.Body)).toEqual(['one', 'two', 'three']);
  expect(await counts(first)).toEqual({ visible: 0, inFlight: 3, delayed: 0 });
  const [one, two, three] = received;

  // Shown again at once, then received again under a new handle, its count up by one.
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: first,
      ReceiptHandle: one?.ReceiptHandle,
      VisibilityTimeout: 0,
    }),
  );
  const [again] = await receive(first);
  expect(again?.Body).toBe('one');
  expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
  expect(again?.ReceiptHandle).not.toBe(one?.ReceiptHandle);

  // Its first handle deletes it; its second then deletes nothing, and is no error.
  await sqs.send(new DeleteMessageCommand({ QueueUrl: first, ReceiptHandle: one?.ReceiptHandle }));
  await sqs.send(
    new DeleteMessageCommand({ QueueUrl: first, ReceiptHandle: again?.ReceiptHandle }),
  );
  expect(await counts(first)).toEqual({ visible: 0, inFlight: 2, delayed: 0 });

  // A handle of another queue, or one never given, is refused and deletes nothing.
  const refused = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: second,
      Entries: [{ Id: 'elsewhere', ReceiptHandle: two?.ReceiptHandle }],
    }),
  );
  expect(refused.Failed?.map((failure) => failure.Code)).toEqual(['ReceiptHandleIsInvalid']);
  const madeUp = 'a'.repeat(185);
  expect(
    errorName(
      await sqs
        .send(new DeleteMessageCommand({ QueueUrl: first, ReceiptHandle: madeUp }))
        .catch((error: unknown) => error),
    ),
  ).toBe('ReceiptHandleIsInvalid');
  expect(
    errorName(
      await sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: first,
            ReceiptHandle: madeUp,
            VisibilityTimeout: 0,
          }),
        )
        .catch((error: unknown) => error),
    ),
  ).toBe('ReceiptHandleIsInvalid');
  expect(await counts(first)).toEqual({ visible: 0, inFlight: 2, delayed: 0 });

  // The other two go by one batch; a delayed message is counted as delayed until it is due.
  const deleted = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: first,
      Entries: [two, three].map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message?.ReceiptHandle,
      })),
    }),
  );
  expect(deleted.Successful).toHaveLength(2);
  await sqs.send(
    new SendMessageCommand({ QueueUrl: first, MessageBody: 'later', DelaySeconds: 60 }),
  );
  expect(await counts(first)).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
  expect(await receive(first)).toEqual([]);
});

it('moves a message to its dead-letter queue once received maxReceiveCount times', async () => {
  const deadLetters = await queue('sqs-redrive-dlq');
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetters, AttributeNames: ['QueueArn'] }),
  );
  const source = await queue('sqs-redrive', {
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: Attributes?.QueueArn,
      maxReceiveCount: 2,
    }),
  });
  await sqs.send(new SendMessageCommand({ QueueUrl: source, MessageBody: 'poison' }));

  // Two receives, each left to time out at once; the third finds it gone to the DLQ.
  const receipts: string[] = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const message of await receive(source, 10, 0)) {
      receipts.push(message.Attributes?.ApproximateReceiveCount ?? '');
    }
  }
  expect(receipts).toEqual(['1', '2']);
  expect(await counts(source)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  expect((await receive(deadLetters)).map((message) => message.Body)).toEqual(['poison']);
});

it('keeps a FIFO group in order, one receive in flight at a time, and drops a repeated deduplication id', async () => {
  const fifo = await queue('sqs-groups.fifo', { FifoQueue: 'true' });
  const send = (MessageBody: string, MessageGroupId: string, MessageDeduplicationId: string) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: fifo,
        MessageBody,
        MessageGroupId,
        MessageDeduplicationId,
      }),
    );
  await send('a1', 'a', 'a1');
  await send('a2', 'a', 'a2');
  await send('b1', 'b', 'b1');
  await send('a1 again', 'a', 'a1');

  // While a1 is in flight, its group waits: the next receive gets the other group's message.
  const bodies = async () => (await receive(fifo, 1)).map((message) => message.Body);
  const [a1] = await receive(fifo, 1);
  expect(a1?.Body).toBe('a1');
  expect(await bodies()).toEqual(['b1']);
  expect(await bodies()).toEqual([]);
  await sqs.send(new DeleteMessageCommand({ QueueUrl: fifo, ReceiptHandle: a1?.ReceiptHandle }));
  expect(await bodies()).toEqual(['a2']);
  expect(await bodies()).toEqual([]);
});

it('counts the SMS published through the sandbox proxy, apart from publishes to a topic', async () => {
  const proxy = await EmulatorProxy.start(emulator.endpoint);
  const sns = new SNSClient({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    credentials: emulatorCredentials,
  });
  try {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'emulator-alarms' }));
    await sns.send(new PublishCommand({ TopicArn, Message: 'an alarm' }));
    await sns.send(new PublishCommand({ PhoneNumber: '+8613600000000', Message: '一条短信' }));
    await sns.send(new PublishCommand({ TopicArn, Message: 'another alarm' }));

    expect(proxy.smsPublished).toBe(1);
    expect(proxy.counts.get('query.Publish')).toMatchObject({ calls: 3 });
  } finally {
    sns.destroy();
    await proxy.stop();
  }
});
