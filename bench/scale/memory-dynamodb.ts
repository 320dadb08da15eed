/**
 * An in-memory DynamoDB for the scale bench: the product's real adapters run on it
 * unchanged, through a real `DynamoDBClient` (and so `DynamoDBDocumentClient.from`,
 * `paginateQuery` and the SDK's own exception classes) whose request handler answers
 * DynamoDB's JSON protocol from memory, in process or over a loopback HTTP server (so that a
 * child process, standing in for a Lambda function, holds only its own memory).
 *
 * It bills as DynamoDB does (docs/testing.md, The scale bench): item sizes from attribute
 * names and values; reads in 4 KB blocks (half for eventually consistent reads; a Query sums
 * the items it evaluates, then rounds up; a BatchGetItem rounds each item); writes in 1 KB
 * blocks of the larger of the old and the new item; transactional items twice; each global
 * secondary index's own writes. It pages a Query at 1 MB. It counts units per table and
 * operation, and write units per partition key value of every table and index. Operations,
 * parameters and expressions the adapters do not use are refused with an error naming them.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableDesign } from '#shared/tables/table.ts';
import {
  applyUpdate,
  type Condition,
  equalValues,
  evaluateCondition,
  type Item,
  parseCondition,
  parseProjection,
  parseUpdate,
  project,
  UnsupportedError,
  ValidationError,
} from './expressions.ts';

export type { Item } from './expressions.ts';

const KB = 1024;
/** DynamoDB's Query and Scan page limit: 1 MB of items evaluated. */
export const QUERY_PAGE_BYTES = 1024 * KB;
const MAX_ITEM_BYTES = 400 * KB;

/** The bytes of a string as DynamoDB counts them (UTF-8). */
const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** A number's size: one byte per two significant digits, plus one. */
export function numberSize(text: string): number {
  const mantissa = text.replace(/^[+-]/, '').split(/[eE]/)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** A value's size (docs: strings and binaries by length, lists and maps 3 bytes + 1 per element). */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return binaryLength(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, each) => sum + utf8(each), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, each) => sum + numberSize(each), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, each) => sum + binaryLength(each), 0);
  if (value.L !== undefined) return value.L.reduce((sum, each) => sum + 1 + valueSize(each), 3);
  if (value.M !== undefined)
    return Object.entries(value.M).reduce(
      (sum, [name, each]) => sum + 1 + utf8(name) + valueSize(each),
      3,
    );
  throw new ValidationError('a value has no DynamoDB type');
}

/** Binary values arrive base64-encoded on the wire. */
function binaryLength(value: Uint8Array | string): number {
  return typeof value === 'string' ? Buffer.from(value, 'base64').length : value.length;
}

/** An item's size: every attribute's name and value. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const name in item) size += utf8(name) + valueSize(item[name] as AttributeValue);
  return size;
}

/** Read units of `bytes` read at once: 4 KB blocks, at least one; half when eventually consistent. */
export function readUnits(bytes: number, consistent: boolean): number {
  const blocks = Math.max(1, Math.ceil(bytes / (4 * KB)));
  return consistent ? blocks : blocks / 2;
}

/** Write units of writing an item of `bytes`: 1 KB blocks, at least one. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KB));
}

/** What one operation on one table consumed. */
export interface OperationUsage {
  calls: number;
  readUnits: number;
  /** Write units, the table's own and its indexes'. */
  writeUnits: number;
  /** Of writeUnits, those of global secondary indexes. */
  indexWriteUnits: number;
  /** Items returned (reads) or written (writes). */
  items: number;
}

/** A request DynamoDB answers with an error: its type and what it says. */
export class DynamoDbError extends Error {
  readonly type: string;
  readonly extra: Record<string, unknown>;
  constructor(type: string, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.type = type;
    this.extra = extra;
  }
}

interface Stored {
  json: string;
  size: number;
}

interface Partition {
  items: Map<string, Stored>;
  /** Sort keys in order; rebuilt on the first read after a write that added or removed one. */
  sorted: string[] | undefined;
}

interface IndexEntry {
  sortKey: string;
  pk: string;
  sk: string;
}

interface IndexPartition {
  /** By table key (`pk \0 sk`): the entry's index sort key. */
  entries: Map<string, string>;
  sorted: IndexEntry[] | undefined;
}

interface MemoryTable {
  name: string;
  design: TableDesign;
  partitions: Map<string, Partition>;
  indexes: Map<string, Map<string, IndexPartition>>;
}

const tableKeyOf = (pk: string, sk: string) => `${pk}\u0000${sk}`;

/** Compares index entries: index sort key, then the table's keys (DynamoDB leaves ties unordered). */
const compareEntries = (a: IndexEntry, b: IndexEntry) =>
  a.sortKey < b.sortKey
    ? -1
    : a.sortKey > b.sortKey
      ? 1
      : a.pk < b.pk
        ? -1
        : a.pk > b.pk
          ? 1
          : a.sk < b.sk
            ? -1
            : a.sk > b.sk
              ? 1
              : 0;

// biome-ignore lint/suspicious/noExplicitAny: requests are DynamoDB's JSON, checked where read
type Request = any;

const OPERATIONS = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
] as const;

/**
 * The store: tables by name, each with the product's key design (`pk`, `sk`, strings) and
 * global secondary indexes.
 */
export class MemoryDynamoDb {
  private readonly tables = new Map<string, MemoryTable>();
  /** By table, then operation (`Query`, `Query byCreatedMonth`, `TransactWriteItems`, …). */
  readonly usage = new Map<string, Map<string, OperationUsage>>();
  /** Write units by `table` or `table/index`, then partition key value. */
  readonly partitionWrites = new Map<string, Map<string, number>>();
  /** Whether write units are counted per partition key value (memory grows with the keys). */
  countPartitions = true;
  /**
   * Told of every item written or deleted, with its old and new image (either absent), as
   * a stream with NEW_AND_OLD_IMAGES would tell its consumer.
   */
  onChange: ((table: string, old: Item | undefined, next: Item | undefined) => void) | undefined;

  constructor(tables: readonly { name: string; design: TableDesign }[]) {
    for (const { name, design } of tables) {
      if (design.partitionKey !== 'pk' || design.sortKey !== 'sk')
        throw new UnsupportedError('tables are keyed by pk and sk');
      this.tables.set(name, {
        name,
        design,
        partitions: new Map(),
        indexes: new Map(Object.values(design.indexes).map((index) => [index.name, new Map()])),
      });
    }
  }

  /** A real DynamoDB client whose requests this store answers in process. */
  client(): DynamoDBClient {
    return new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://memory.dynamodb.invalid',
      credentials: { accessKeyId: 'memory', secretAccessKey: 'memory' },
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: { headers: Record<string, string>; body?: unknown }) => ({
          response: this.answer(request.headers['x-amz-target'] ?? '', textOf(request.body)),
        }),
      },
    });
  }

  /** Serves the store on a loopback port, for a client in another process. */
  async listen(): Promise<{ endpoint: string; close: () => Promise<void> }> {
    const server: Server = createServer(async (incoming: IncomingMessage, outgoing) => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const target = String(incoming.headers['x-amz-target'] ?? '');
      const { statusCode, headers, body } = this.answer(
        target,
        Buffer.concat(chunks).toString('utf8'),
      );
      outgoing.writeHead(statusCode, headers);
      outgoing.end(body);
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      endpoint: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  /** One JSON-protocol request, answered as DynamoDB answers it. */
  private answer(target: string, body: string) {
    const operation = target.replace(/^DynamoDB_20120810\./, '');
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'memory' };
    try {
      const output = this.execute(operation, JSON.parse(body || '{}'));
      return { statusCode: 200, headers, body: Buffer.from(JSON.stringify(output)) };
    } catch (error) {
      const known =
        error instanceof DynamoDbError
          ? error
          : error instanceof ValidationError
            ? new DynamoDbError('ValidationException', error.message)
            : error instanceof UnsupportedError
              ? new DynamoDbError('UnsupportedByMemoryDynamoDbException', error.message)
              : new DynamoDbError(
                  'InternalServerError',
                  error instanceof Error ? error.message : String(error),
                );
      if (
        known.type === 'UnsupportedByMemoryDynamoDbException' ||
        known.type === 'InternalServerError'
      )
        console.error(`memory DynamoDB refused ${operation}: ${known.message}`);
      return {
        statusCode: known.type === 'InternalServerError' ? 500 : 400,
        headers,
        body: Buffer.from(
          JSON.stringify({
            __type: `com.amazonaws.dynamodb.v20120810#${known.type}`,
            message: known.message,
            ...known.extra,
          }),
        ),
      };
    }
  }

  /** Runs one operation on a request in DynamoDB's JSON shape; answers its output. */
  execute(operation: string, request: Request): Record<string, unknown> {
    switch (operation as (typeof OPERATIONS)[number]) {
      case 'GetItem':
        return this.getItem(request);
      case 'PutItem':
        return this.putItem(request);
      case 'UpdateItem':
        return this.updateItem(request);
      case 'DeleteItem':
        return this.deleteItem(request);
      case 'Query':
        return this.query(request);
      case 'BatchGetItem':
        return this.batchGetItem(request);
      case 'BatchWriteItem':
        return this.batchWriteItem(request);
      case 'TransactWriteItems':
        return this.transactWriteItems(request);
      default:
        throw new UnsupportedError(
          `the operation ${operation || '(none)'} is not implemented (${OPERATIONS.join(', ')} are)`,
        );
    }
  }

  /** Stores an item as a PutItem without condition would, billed the same (bulk loading). */
  put(tableName: string, item: Item): void {
    this.putItem({ TableName: tableName, Item: item });
  }

  /**
   * Adds counters to an item (created when absent), as an UpdateItem `ADD` would, without
   * a request or a bill: for filling a store with sums computed elsewhere.
   */
  addCounts(tableName: string, pk: string, sk: string, counts: Readonly<Record<string, number>>) {
    const table = this.table(tableName);
    const old = this.read(table, pk, sk);
    const next: Item = old ?? { pk: { S: pk }, sk: { S: sk } };
    for (const name in counts)
      next[name] = { N: String(Number(next[name]?.N ?? 0) + (counts[name] ?? 0)) };
    this.store(table, pk, sk, old, next);
  }

  /** One stored item, for checks. */
  get(tableName: string, pk: string, sk: string): Item | undefined {
    return this.read(this.table(tableName), pk, sk);
  }

  /** Every item of a table, for checks. */
  *items(tableName: string): Generator<Item> {
    for (const partition of this.table(tableName).partitions.values())
      for (const stored of partition.items.values()) yield JSON.parse(stored.json) as Item;
  }

  /** The number of items in a table. */
  itemCount(tableName: string): number {
    let count = 0;
    for (const partition of this.table(tableName).partitions.values())
      count += partition.items.size;
    return count;
  }

  /** The total of a usage field over tables and operations matching a filter. */
  total(
    field: keyof OperationUsage,
    where: (table: string, operation: string) => boolean = () => true,
  ): number {
    let sum = 0;
    for (const [table, operations] of this.usage)
      for (const [operation, usage] of operations) if (where(table, operation)) sum += usage[field];
    return sum;
  }

  /** The partition key value of a table (or `table/index`) that took the most write units. */
  hottestPartition(scope: string): { key: string; writeUnits: number } | undefined {
    let hottest: { key: string; writeUnits: number } | undefined;
    for (const [key, units] of this.partitionWrites.get(scope) ?? [])
      if (!hottest || units > hottest.writeUnits) hottest = { key, writeUnits: units };
    return hottest;
  }

  /** Forgets what was counted (the items stay). */
  resetUsage(): void {
    this.usage.clear();
    this.partitionWrites.clear();
  }

  // ---------------------------------------------------------------- the operations

  private getItem(request: Request) {
    const table = this.table(request.TableName);
    refuseUnknown(request, [
      'TableName',
      'Key',
      'ConsistentRead',
      'ProjectionExpression',
      'ExpressionAttributeNames',
      'ReturnConsumedCapacity',
    ]);
    const { pk, sk } = keyOf(request.Key, true);
    const stored = table.partitions.get(pk)?.items.get(sk);
    const consistent = request.ConsistentRead === true;
    const units = readUnits(stored?.size ?? 0, consistent);
    this.count(table.name, 'GetItem', {});
    this.count(table.name, 'GetItem', { readUnits: units, items: stored ? 1 : 0 });
    const item = stored ? (JSON.parse(stored.json) as Item) : undefined;
    return {
      ...(item ? { Item: projected(item, request) } : {}),
      ...consumed(request, table.name, units),
    };
  }

  private putItem(request: Request) {
    const table = this.table(request.TableName);
    refuseUnknown(request, [...WRITE_PARAMETERS, 'Item']);
    const item = request.Item as Item;
    const { pk, sk } = keyOf(item, false);
    return this.write(table, 'PutItem', request, pk, sk, () => item);
  }

  private updateItem(request: Request) {
    const table = this.table(request.TableName);
    refuseUnknown(request, [...WRITE_PARAMETERS, 'Key', 'UpdateExpression']);
    const { pk, sk } = keyOf(request.Key, true);
    return this.write(table, 'UpdateItem', request, pk, sk, (old) => updated(request, old));
  }

  private deleteItem(request: Request) {
    const table = this.table(request.TableName);
    refuseUnknown(request, [...WRITE_PARAMETERS, 'Key']);
    const { pk, sk } = keyOf(request.Key, true);
    return this.write(table, 'DeleteItem', request, pk, sk, () => undefined);
  }

  /** One conditional write: refused (and billed) when its condition fails, else stored and billed. */
  private write(
    table: MemoryTable,
    operation: string,
    request: Request,
    pk: string,
    sk: string,
    change: (old: Item | undefined) => Item | undefined,
  ) {
    const old = this.read(table, pk, sk);
    this.count(table.name, operation, {});
    if (!conditionHolds(request, old)) {
      // A refused write still costs the units of the item it read (one at least).
      const units = writeUnits(old ? itemSize(old) : 0);
      this.bill(table, operation, pk, { table: units, indexes: [] }, 1, 0);
      throw new DynamoDbError('ConditionalCheckFailedException', 'The conditional request failed', {
        ...(request.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: old } : {}),
      });
    }
    const next = change(old);
    const cost = writeCost(table, old, next);
    this.store(table, pk, sk, old, next);
    const units = this.bill(table, operation, pk, cost, 1, old || next ? 1 : 0);
    return {
      ...returned(request.ReturnValues, old, next),
      ...consumed(request, table.name, units),
    };
  }

  private query(request: Request) {
    const table = this.table(request.TableName);
    refuseUnknown(request, [
      'TableName',
      'IndexName',
      'KeyConditionExpression',
      'FilterExpression',
      'ProjectionExpression',
      'ExpressionAttributeNames',
      'ExpressionAttributeValues',
      'ExclusiveStartKey',
      'Limit',
      'ScanIndexForward',
      'ConsistentRead',
      'Select',
      'ReturnConsumedCapacity',
    ]);
    if (
      request.Select !== undefined &&
      request.Select !== 'ALL_ATTRIBUTES' &&
      request.Select !== 'ALL_PROJECTED_ATTRIBUTES'
    )
      throw new UnsupportedError(`Select ${request.Select} is not implemented`);
    const indexName: string | undefined = request.IndexName;
    const index = indexName
      ? Object.values(table.design.indexes).find((each) => each.name === indexName)
      : undefined;
    if (indexName && !index) throw new ValidationError(`the table has no index ${indexName}`);
    if (index && request.ConsistentRead === true)
      throw new ValidationError('consistent reads are not supported on global secondary indexes');
    const consistent = request.ConsistentRead === true;
    const { partition, sortCondition } = keyCondition(
      parseCondition(request.KeyConditionExpression ?? '', request.ExpressionAttributeNames),
      request.ExpressionAttributeValues,
      index?.partitionKey ?? 'pk',
      index ? index.sortKey : 'sk',
    );
    const filter = request.FilterExpression
      ? parseCondition(request.FilterExpression, request.ExpressionAttributeNames)
      : undefined;
    const forward = request.ScanIndexForward !== false;
    const limit: number | undefined = request.Limit;
    const start: Item | undefined = request.ExclusiveStartKey;

    // The partition's entries in key order (an index's: its sort key, then the table's keys).
    const entries: IndexEntry[] = index
      ? sortedEntries(table.indexes.get(index.name)?.get(partition))
      : sortedKeys(table.partitions.get(partition)).map((sk) => ({
          sortKey: sk,
          pk: partition,
          sk,
        }));
    const count = entries.length;
    const entryAt = (step: number) => entries[forward ? step : count - 1 - step] as IndexEntry;
    let step = 0;
    if (start) {
      const { pk, sk } = keyOf(
        Object.fromEntries(
          Object.entries(start).filter(([name]) => name === 'pk' || name === 'sk'),
        ),
        true,
      );
      const sortKey = index ? (index.sortKey ? stringOf(start[index.sortKey]) : '') : sk;
      const after = { sortKey, pk, sk };
      // The first entry past the start key in the reading direction.
      let low = 0;
      let high = count;
      while (low < high) {
        const middle = (low + high) >>> 1;
        const order = compareEntries(entryAt(middle), after);
        if (forward ? order <= 0 : order >= 0) low = middle + 1;
        else high = middle;
      }
      step = low;
    }

    const items: Item[] = [];
    let evaluated = 0;
    let bytes = 0;
    let stopped = false;
    let lastEvaluated: IndexEntry | undefined;
    for (; step < count; step += 1) {
      const entry = entryAt(step);
      if (sortCondition && !sortCondition(entry.sortKey)) continue;
      if ((limit !== undefined && evaluated >= limit) || bytes >= QUERY_PAGE_BYTES) {
        stopped = true;
        break;
      }
      const stored = table.partitions.get(entry.pk)?.items.get(entry.sk) as Stored;
      let item = JSON.parse(stored.json) as Item;
      let size = stored.size;
      if (index && (index.keysOnly || index.include)) {
        item = indexProjection(item, index);
        size = itemSize(item);
      }
      evaluated += 1;
      bytes += size;
      lastEvaluated = entry;
      if (filter && !evaluateCondition(filter, item, request.ExpressionAttributeValues)) continue;
      items.push(projected(item, request));
    }
    // A page that stopped at a limit says where it stopped: the last item it evaluated.
    const last = stopped ? lastEvaluated : undefined;
    const units = readUnits(bytes, consistent);
    this.count(table.name, index ? `Query ${index.name}` : 'Query', {});
    this.count(table.name, index ? `Query ${index.name}` : 'Query', {
      readUnits: units,
      items: items.length,
    });
    return {
      Items: items,
      Count: items.length,
      ScannedCount: evaluated,
      ...(last
        ? {
            LastEvaluatedKey: {
              pk: { S: last.pk },
              sk: { S: last.sk },
              ...(index
                ? {
                    [index.partitionKey]: { S: partition },
                    ...(index.sortKey ? { [index.sortKey]: { S: last.sortKey } } : {}),
                  }
                : {}),
            },
          }
        : {}),
      ...consumed(request, table.name, units),
    };
  }

  private batchGetItem(request: Request) {
    refuseUnknown(request, ['RequestItems', 'ReturnConsumedCapacity']);
    const entries = Object.entries(request.RequestItems ?? {}) as [string, Request][];
    const keys = entries.reduce((sum, [, each]) => sum + (each.Keys?.length ?? 0), 0);
    if (keys === 0 || keys > 100) throw new ValidationError('BatchGetItem takes 1 to 100 keys');
    const Responses: Record<string, Item[]> = {};
    for (const [tableName, each] of entries) {
      refuseUnknown(each, [
        'Keys',
        'ConsistentRead',
        'ProjectionExpression',
        'ExpressionAttributeNames',
      ]);
      const table = this.table(tableName);
      let units = 0;
      Responses[tableName] = [];
      for (const key of each.Keys as Item[]) {
        const { pk, sk } = keyOf(key, true);
        const stored = table.partitions.get(pk)?.items.get(sk);
        // Each item is rounded up on its own (docs: 1.5 KB and 6.5 KB read 12 KB).
        units += readUnits(stored?.size ?? 0, each.ConsistentRead === true);
        if (stored) Responses[tableName].push(projected(JSON.parse(stored.json) as Item, each));
      }
      this.count(table.name, 'BatchGetItem', {});
      this.count(table.name, 'BatchGetItem', {
        readUnits: units,
        items: Responses[tableName].length,
      });
    }
    return { Responses, UnprocessedKeys: {} };
  }

  private batchWriteItem(request: Request) {
    refuseUnknown(request, [
      'RequestItems',
      'ReturnConsumedCapacity',
      'ReturnItemCollectionMetrics',
    ]);
    const entries = Object.entries(request.RequestItems ?? {}) as [string, Request[]][];
    const writes = entries.reduce((sum, [, each]) => sum + each.length, 0);
    if (writes === 0 || writes > 25)
      throw new ValidationError('BatchWriteItem takes 1 to 25 requests');
    const planned = entries.flatMap(([tableName, each]) =>
      each.map((write) => {
        const item: Item | undefined = write.PutRequest?.Item;
        if (!item && !write.DeleteRequest) throw new ValidationError('a write puts or deletes');
        return {
          table: this.table(tableName),
          item,
          key: keyOf(item ?? write.DeleteRequest.Key, !item),
        };
      }),
    );
    const names = planned.map(
      ({ table, key }) => `${table.name}\u0000${tableKeyOf(key.pk, key.sk)}`,
    );
    if (new Set(names).size !== names.length)
      throw new ValidationError('Provided list of item keys contains duplicates');
    for (const table of new Set(planned.map((each) => each.table)))
      this.count(table.name, 'BatchWriteItem', {});
    for (const { table, item, key } of planned) {
      const old = this.read(table, key.pk, key.sk);
      const cost = writeCost(table, old, item);
      this.store(table, key.pk, key.sk, old, item);
      this.bill(table, 'BatchWriteItem', key.pk, cost, 1, 1);
    }
    return { UnprocessedItems: {} };
  }

  private transactWriteItems(request: Request) {
    refuseUnknown(request, [
      'TransactItems',
      'ClientRequestToken',
      'ReturnConsumedCapacity',
      'ReturnItemCollectionMetrics',
    ]);
    const actions = (request.TransactItems ?? []) as Request[];
    if (actions.length === 0 || actions.length > 100)
      throw new ValidationError('TransactWriteItems takes 1 to 100 items');
    const planned = actions.map((action) => {
      const kinds = Object.keys(action);
      const kind = kinds[0] as string;
      if (kinds.length !== 1) throw new ValidationError('each transaction item holds one action');
      if (!['Put', 'Update', 'Delete', 'ConditionCheck'].includes(kind))
        throw new UnsupportedError(`the transaction action ${kind} is not implemented`);
      const body = action[kind];
      refuseUnknown(body, [
        ...WRITE_PARAMETERS.filter(
          (name) => name !== 'ReturnValues' && name !== 'ReturnConsumedCapacity',
        ),
        ...(kind === 'Put' ? ['Item'] : ['Key']),
        ...(kind === 'Update' ? ['UpdateExpression'] : []),
      ]);
      const table = this.table(body.TableName);
      const key = keyOf(kind === 'Put' ? body.Item : body.Key, kind !== 'Put');
      const old = this.read(table, key.pk, key.sk);
      const next =
        kind === 'Put'
          ? (body.Item as Item)
          : kind === 'Update'
            ? updated(body, old)
            : kind === 'Delete'
              ? undefined
              : old;
      return { kind, body, table, key, old, next };
    });
    const names = planned.map(
      ({ table, key }) => `${table.name}\u0000${tableKeyOf(key.pk, key.sk)}`,
    );
    if (new Set(names).size !== names.length)
      throw new ValidationError(
        'Transaction request cannot include multiple operations on one item',
      );
    for (const table of new Set(planned.map((each) => each.table)))
      this.count(table.name, 'TransactWriteItems', {});
    const reasons = planned.map(({ body, old }) =>
      conditionHolds(body, old)
        ? { Code: 'None' }
        : {
            Code: 'ConditionalCheckFailed',
            Message: 'The conditional request failed',
            ...(body.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: old } : {}),
          },
    );
    const cancelled = reasons.some((reason) => reason.Code !== 'None');
    // Each item costs twice its units, whether the transaction is written or cancelled.
    let units = 0;
    for (const { kind, table, key, old, next } of planned) {
      const cost =
        kind === 'ConditionCheck'
          ? { table: writeUnits(old ? itemSize(old) : 0), indexes: [] }
          : writeCost(table, old, next);
      units += this.bill(
        table,
        'TransactWriteItems',
        key.pk,
        cost,
        2,
        cancelled || kind === 'ConditionCheck' ? 0 : 1,
      );
    }
    if (cancelled)
      throw new DynamoDbError(
        'TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
        { CancellationReasons: reasons },
      );
    for (const { kind, table, key, old, next } of planned)
      if (kind !== 'ConditionCheck') this.store(table, key.pk, key.sk, old, next);
    return request.ReturnConsumedCapacity === 'TOTAL'
      ? { ConsumedCapacity: [{ CapacityUnits: units }] }
      : {};
  }

  // ---------------------------------------------------------------- storage and billing

  private table(name: unknown): MemoryTable {
    const table = this.tables.get(String(name));
    if (!table)
      throw new DynamoDbError(
        'ResourceNotFoundException',
        `Requested resource not found: Table: ${String(name)} not found`,
      );
    return table;
  }

  private read(table: MemoryTable, pk: string, sk: string): Item | undefined {
    const stored = table.partitions.get(pk)?.items.get(sk);
    return stored ? (JSON.parse(stored.json) as Item) : undefined;
  }

  private store(
    table: MemoryTable,
    pk: string,
    sk: string,
    old: Item | undefined,
    next: Item | undefined,
  ) {
    this.onChange?.(table.name, old, next);
    let partition = table.partitions.get(pk);
    if (next) {
      if (!partition) {
        partition = { items: new Map(), sorted: undefined };
        table.partitions.set(pk, partition);
      }
      if (!partition.items.has(sk)) partition.sorted = undefined;
      partition.items.set(sk, { json: JSON.stringify(next), size: itemSize(next) });
    } else if (partition?.items.delete(sk)) {
      partition.sorted = undefined;
      if (partition.items.size === 0) table.partitions.delete(pk);
    }
    for (const index of Object.values(table.design.indexes)) {
      const partitions = table.indexes.get(index.name) as Map<string, IndexPartition>;
      const before = old ? indexKeyOf(index, old) : undefined;
      const after = next ? indexKeyOf(index, next) : undefined;
      const key = tableKeyOf(pk, sk);
      if (before && (!after || before.pk !== after.pk || before.sk !== after.sk)) {
        const stored = partitions.get(before.pk);
        if (stored?.entries.delete(key)) stored.sorted = undefined;
        if (stored && stored.entries.size === 0) partitions.delete(before.pk);
      }
      if (after && (!before || before.pk !== after.pk || before.sk !== after.sk)) {
        let stored = partitions.get(after.pk);
        if (!stored) {
          stored = { entries: new Map(), sorted: undefined };
          partitions.set(after.pk, stored);
        }
        stored.entries.set(key, after.sk);
        stored.sorted = undefined;
      }
    }
  }

  /** Adds a call (an empty usage) or units to a table's operation. */
  private count(table: string, operation: string, usage: Partial<OperationUsage>) {
    let operations = this.usage.get(table);
    if (!operations) {
      operations = new Map();
      this.usage.set(table, operations);
    }
    let entry = operations.get(operation);
    if (!entry) {
      entry = { calls: 0, readUnits: 0, writeUnits: 0, indexWriteUnits: 0, items: 0 };
      operations.set(operation, entry);
    }
    if (usage.readUnits === undefined && usage.writeUnits === undefined) entry.calls += 1;
    entry.readUnits += usage.readUnits ?? 0;
    entry.writeUnits += usage.writeUnits ?? 0;
    entry.indexWriteUnits += usage.indexWriteUnits ?? 0;
    entry.items += usage.items ?? 0;
  }

  /**
   * Bills one item's write (`factor` 2 in a transaction: prepare and commit) to its
   * operation, and to its table partition and each index partition it wrote; an index is
   * written once, after the commit. Answers the units.
   */
  private bill(
    table: MemoryTable,
    operation: string,
    pk: string,
    cost: WriteCost,
    factor: number,
    items: number,
  ) {
    const indexUnits = cost.indexes.reduce((sum, write) => sum + write.units, 0);
    const units = factor * cost.table + indexUnits;
    this.count(table.name, operation, { writeUnits: units, indexWriteUnits: indexUnits, items });
    if (this.countPartitions) {
      this.addPartitionWrite(table.name, pk, factor * cost.table);
      for (const write of cost.indexes)
        this.addPartitionWrite(`${table.name}/${write.index}`, write.partition, write.units);
    }
    return units;
  }

  private addPartitionWrite(scope: string, key: string, units: number) {
    let keys = this.partitionWrites.get(scope);
    if (!keys) {
      keys = new Map();
      this.partitionWrites.set(scope, keys);
    }
    keys.set(key, (keys.get(key) ?? 0) + units);
  }
}

// ------------------------------------------------------------------ helpers

/** A serialized request body: a string, or bytes (the SDK hands JSON over as bytes). */
function textOf(body: unknown): string {
  if (typeof body === 'string') return body;
  if (ArrayBuffer.isView(body))
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return '';
}

const WRITE_PARAMETERS = [
  'TableName',
  'ConditionExpression',
  'ExpressionAttributeNames',
  'ExpressionAttributeValues',
  'ReturnValues',
  'ReturnConsumedCapacity',
  'ReturnValuesOnConditionCheckFailure',
];

/** A write's units: the table's (1 KB blocks of the larger item) and each index's writes. */
interface WriteCost {
  table: number;
  indexes: { index: string; partition: string; units: number }[];
}

function writeCost(table: MemoryTable, old: Item | undefined, next: Item | undefined): WriteCost {
  const nextSize = next ? itemSize(next) : 0;
  if (nextSize > MAX_ITEM_BYTES)
    throw new ValidationError('Item size has exceeded the maximum allowed size');
  return {
    table: writeUnits(Math.max(old ? itemSize(old) : 0, nextSize)),
    indexes: Object.values(table.design.indexes).flatMap((index) =>
      indexWrites(index, old, next).map((write) => ({ index: index.name, ...write })),
    ),
  };
}

/** The item an update expression makes of the stored one (absent: its key alone). */
function updated(request: Request, old: Item | undefined): Item {
  const key = keyOf(request.Key, true);
  const actions = parseUpdate(request.UpdateExpression ?? '', request.ExpressionAttributeNames);
  const names = [
    ...[...actions.set, ...actions.add, ...actions.delete].map(({ path }) => path[0]),
    ...actions.remove.map((path) => path[0]),
  ];
  if (names.some((name) => name === 'pk' || name === 'sk'))
    throw new ValidationError(
      'Cannot update attribute pk or sk. This attribute is part of the key',
    );
  return applyUpdate(
    old ?? { pk: { S: key.pk }, sk: { S: key.sk } },
    actions,
    request.ExpressionAttributeValues,
  );
}

function refuseUnknown(request: Request, known: readonly string[]) {
  for (const name of Object.keys(request ?? {}))
    if (!known.includes(name))
      throw new UnsupportedError(`the parameter ${name} is not implemented`);
  if (request?.ReturnConsumedCapacity === 'INDEXES')
    throw new UnsupportedError('ReturnConsumedCapacity INDEXES is not implemented (TOTAL is)');
}

function stringOf(value: AttributeValue | undefined): string {
  if (value?.S === undefined) throw new UnsupportedError('keys are strings here (S)');
  return value.S;
}

/** The table key of a key or item; `exact`: the key names no other attribute. */
function keyOf(key: Item | undefined, exact: boolean): { pk: string; sk: string } {
  if (!key) throw new ValidationError('the key is missing');
  if (exact && Object.keys(key).some((name) => name !== 'pk' && name !== 'sk'))
    throw new ValidationError('the provided key element does not match the schema');
  if (!key.pk || !key.sk)
    throw new ValidationError('the provided key element does not match the schema');
  return { pk: stringOf(key.pk), sk: stringOf(key.sk) };
}

function conditionHolds(request: Request, old: Item | undefined): boolean {
  if (!request.ConditionExpression) return true;
  const condition: Condition = parseCondition(
    request.ConditionExpression,
    request.ExpressionAttributeNames,
  );
  return evaluateCondition(condition, old ?? {}, request.ExpressionAttributeValues);
}

function projected(item: Item, request: Request): Item {
  return request.ProjectionExpression
    ? project(item, parseProjection(request.ProjectionExpression, request.ExpressionAttributeNames))
    : item;
}

function returned(what: string | undefined, old: Item | undefined, next: Item | undefined) {
  if (what === undefined || what === 'NONE') return {};
  if (what === 'ALL_OLD') return old ? { Attributes: old } : {};
  if (what === 'ALL_NEW') return next ? { Attributes: next } : {};
  throw new UnsupportedError(`ReturnValues ${what} is not implemented`);
}

function consumed(request: Request, table: string, units: number) {
  return request.ReturnConsumedCapacity === 'TOTAL'
    ? { ConsumedCapacity: { TableName: table, CapacityUnits: units } }
    : {};
}

type IndexDesign = TableDesign['indexes'][string];

/** The index key of an item, when it has one (an item without it is not in the index). */
function indexKeyOf(index: IndexDesign, item: Item): { pk: string; sk: string } | undefined {
  const pk = item[index.partitionKey];
  const sk = index.sortKey ? item[index.sortKey] : { S: '' };
  if (pk?.S === undefined || sk?.S === undefined) {
    if ((pk && pk.S === undefined) || (sk && sk.S === undefined))
      throw new UnsupportedError(`index keys are strings here (${index.name})`);
    return undefined;
  }
  return { pk: pk.S, sk: sk.S };
}

/** What an index holds of an item: everything, its keys, or its keys and the attributes named. */
function indexProjection(item: Item, index: IndexDesign): Item {
  if (!index.keysOnly && !index.include) return item;
  const names = [
    'pk',
    'sk',
    index.partitionKey,
    ...(index.sortKey ? [index.sortKey] : []),
    ...(index.include ?? []),
  ];
  return Object.fromEntries(
    names
      .filter((name) => item[name] !== undefined)
      .map((name) => [name, item[name] as AttributeValue]),
  );
}

/** The index writes of replacing `old` by `next`: none when nothing it holds changed. */
function indexWrites(
  index: IndexDesign,
  old: Item | undefined,
  next: Item | undefined,
): { partition: string; units: number }[] {
  const before = old ? indexKeyOf(index, old) : undefined;
  const after = next ? indexKeyOf(index, next) : undefined;
  if (!before && !after) return [];
  const oldProjection = before && old ? indexProjection(old, index) : undefined;
  const newProjection = after && next ? indexProjection(next, index) : undefined;
  if (before && after && before.pk === after.pk && before.sk === after.sk) {
    if (equalValues({ M: oldProjection as Item }, { M: newProjection as Item })) return [];
    return [
      {
        partition: after.pk,
        units: writeUnits(
          Math.max(itemSize(oldProjection as Item), itemSize(newProjection as Item)),
        ),
      },
    ];
  }
  return [
    ...(before
      ? [{ partition: before.pk, units: writeUnits(itemSize(oldProjection as Item)) }]
      : []),
    ...(after ? [{ partition: after.pk, units: writeUnits(itemSize(newProjection as Item)) }] : []),
  ];
}

function sortedKeys(partition: Partition | undefined): string[] {
  if (!partition) return [];
  partition.sorted ??= [...partition.items.keys()].sort();
  return partition.sorted;
}

function sortedEntries(partition: IndexPartition | undefined): IndexEntry[] {
  if (!partition) return [];
  if (!partition.sorted) {
    const entries: IndexEntry[] = [];
    for (const [key, sortKey] of partition.entries) {
      const split = key.indexOf('\u0000');
      entries.push({ sortKey, pk: key.slice(0, split), sk: key.slice(split + 1) });
    }
    partition.sorted = entries.sort(compareEntries);
  }
  return partition.sorted;
}

/**
 * A key condition: the partition key equal to a value, and at most one condition on the
 * sort key (=, <, <=, >, >=, BETWEEN, begins_with), joined by AND.
 */
function keyCondition(
  condition: Condition,
  values: Record<string, AttributeValue> | undefined,
  partitionName: string,
  sortName: string | undefined,
): { partition: string; sortCondition: ((sortKey: string | undefined) => boolean) | undefined } {
  const parts = condition.kind === 'and' ? [condition.left, condition.right] : [condition];
  let partition: string | undefined;
  let sortCondition: ((sortKey: string | undefined) => boolean) | undefined;
  const value = (operand: Condition extends never ? never : { kind: string; name?: string }) => {
    if (operand.kind !== 'value' || !operand.name)
      throw new ValidationError('a key condition compares with a value');
    return stringOf(values?.[operand.name]);
  };
  const pathName = (operand: { kind: string; path?: (string | number)[] }) =>
    operand.kind === 'path' && operand.path?.length === 1 ? String(operand.path[0]) : undefined;
  for (const part of parts) {
    if (part.kind === 'compare' && pathName(part.left) === partitionName && part.operator === '=') {
      partition = value(part.right);
      continue;
    }
    if (sortName === undefined || sortCondition)
      throw new ValidationError('the key condition is not one DynamoDB accepts');
    if (part.kind === 'compare' && pathName(part.left) === sortName && part.operator !== '<>') {
      const bound = value(part.right);
      const operator = part.operator;
      sortCondition = (key) =>
        key !== undefined &&
        (operator === '='
          ? key === bound
          : operator === '<'
            ? key < bound
            : operator === '<='
              ? key <= bound
              : operator === '>'
                ? key > bound
                : key >= bound);
    } else if (part.kind === 'between' && pathName(part.operand) === sortName) {
      const low = value(part.low);
      const high = value(part.high);
      sortCondition = (key) => key !== undefined && key >= low && key <= high;
    } else if (part.kind === 'begins_with' && part.path.length === 1 && part.path[0] === sortName) {
      const prefix = value(part.operand);
      sortCondition = (key) => key?.startsWith(prefix) === true;
    } else throw new ValidationError('the key condition is not one DynamoDB accepts');
  }
  if (partition === undefined)
    throw new ValidationError('the key condition must name the partition key with =');
  return { partition, sortCondition };
}
