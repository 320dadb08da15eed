import {
  addIncrements,
  type CounterIncrement,
  type CounterItems,
  nonZero,
} from '../domain/complaint-aggregates.ts';
import type { ComplaintState } from '../domain/complaint-lifecycle.ts';

/** Counters of one aggregate item to add to (negative subtracts), its shard left out. */
export type CounterChange = CounterIncrement;

/**
 * A complaint STATE's stream record: its images as far as they are counted. An image
 * absent, or not yet carried into the aggregates (docs/data-model.md), counts nothing.
 */
export interface StreamedStateChange {
  sequenceNumber: string;
  old?: ComplaintState;
  new?: ComplaintState;
}

/**
 * A run of consecutive pieces of a batch: a record whose change touches more items than
 * a transaction holds is cut into parts, numbered from 0, in key order.
 */
export interface ChunkPosition {
  sequence: string;
  part: number;
}

export interface ComplaintAggregateStore {
  /**
   * Adds the chunk's sums on one shard and marks the chunk, keyed by its first position,
   * counted through its last, atomically. When that first position was counted before,
   * answers through which position (and the records that chunk held), writing nothing.
   */
  count(
    chunk: { first: ChunkPosition; last: ChunkPosition; sequences: readonly string[] },
    changes: readonly CounterChange[],
    shard: number,
    countedAt: Date,
  ): Promise<
    | { counted: true }
    | { countedThrough: ChunkPosition; sequences: readonly string[] }
    | { conflict: true }
  >;
  /**
   * Marks the rest of a counted chunk, from `first` (a record inside it), counted through
   * its `last`, unless that is marked: a redelivery that ended inside a chunk counted
   * earlier leaves this for the batch that starts after it.
   */
  continueMark(
    chunk: { first: ChunkPosition; last: ChunkPosition; sequences: readonly string[] },
    countedAt: Date,
  ): Promise<void>;
}

/** The batch kept conflicting with concurrent writers; the event source retries it. */
export class ComplaintAggregationConflictError extends Error {
  override name = 'ComplaintAggregationConflictError';
}

/** A transaction's 100 items: the chunk's mark and at most this many counter items. */
export const MAX_COUNTER_ITEMS_PER_CHUNK = 99;
const MAX_ATTEMPTS = 6;

interface Piece {
  position: ChunkPosition;
  changes: CounterChange[];
}

const itemOf = (change: { pk: string; sk: string }) => `${change.pk}\u0000${change.sk}`;
const compareSequences = (a: string, b: string) =>
  BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
const comparePositions = (a: ChunkPosition, b: ChunkPosition) =>
  compareSequences(a.sequence, b.sequence) || a.part - b.part;

/** A record's change in pieces of at most a chunk's items each. */
function piecesOf(sequence: string, changes: readonly CounterChange[]): Piece[] {
  const sorted = [...changes].sort((a, b) => (itemOf(a) < itemOf(b) ? -1 : 1));
  const pieces: Piece[] = [];
  for (let start = 0; start === 0 || start < sorted.length; ) {
    const slice = sorted.slice(start, start + MAX_COUNTER_ITEMS_PER_CHUNK);
    pieces.push({ position: { sequence, part: pieces.length }, changes: slice });
    start += MAX_COUNTER_ITEMS_PER_CHUNK;
  }
  return pieces;
}

/** Sums changes per item, zeros dropped. */
function summed(pieces: readonly Piece[]): CounterChange[] {
  const items: CounterItems = new Map();
  for (const piece of pieces) addIncrements(items, piece.changes);
  return nonZero(items);
}

/** The longest run of pieces from the first whose items, summed, fit one transaction. */
function nextChunk(pieces: readonly Piece[]): Piece[] {
  const items = new Set<string>();
  let taken = 0;
  for (const piece of pieces) {
    const added = piece.changes.map(itemOf).filter((id) => !items.has(id));
    if (taken > 0 && items.size + added.length > MAX_COUNTER_ITEMS_PER_CHUNK) break;
    for (const id of added) items.add(id);
    taken += 1;
  }
  return pieces.slice(0, taken);
}

/**
 * Counts a batch of complaint state changes into the complaint aggregates exactly once.
 * A stream shard is read in order and a failed batch comes back from its first record,
 * so the batch is cut, in sequence order, into chunks that each fit one transaction with
 * their mark; a redelivery finds the marks one after another from its first record and
 * counts only what follows the last (docs/architecture.md, exactly-once flows).
 */
export async function aggregateComplaintChanges(
  dependencies: {
    store: ComplaintAggregateStore;
    change: (old: ComplaintState | undefined, next: ComplaintState | undefined) => CounterChange[];
    shard: () => number;
    now: () => Date;
  },
  records: readonly StreamedStateChange[],
): Promise<{ counted: number; duplicates: number; chunks: number; items: number }> {
  const ordered = [...new Map(records.map((record) => [record.sequenceNumber, record])).values()]
    .sort((a, b) => compareSequences(a.sequenceNumber, b.sequenceNumber))
    .flatMap((record) =>
      piecesOf(record.sequenceNumber, dependencies.change(record.old, record.new)),
    );
  const result = { counted: 0, duplicates: 0, chunks: 0, items: 0 };
  const countedRecords = new Set<string>();
  let pending = ordered;
  let attempt = 1;
  while (pending.length > 0) {
    const chunk = nextChunk(pending);
    const first = chunk[0]?.position ?? { sequence: '', part: 0 };
    const last = chunk.at(-1)?.position ?? first;
    const changes = summed(chunk);
    const outcome = await dependencies.store.count(
      { first, last, sequences: [...new Set(chunk.map((piece) => piece.position.sequence))] },
      changes,
      dependencies.shard(),
      dependencies.now(),
    );
    if ('conflict' in outcome) {
      if (attempt >= MAX_ATTEMPTS) {
        throw new ComplaintAggregationConflictError(
          `a chunk of ${changes.length} items conflicted ${MAX_ATTEMPTS} times`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      attempt += 1;
      continue;
    }
    attempt = 1;
    if ('counted' in outcome) {
      for (const piece of chunk) countedRecords.add(piece.position.sequence);
      result.chunks += 1;
      result.items += changes.length;
      pending = pending.slice(chunk.length);
      continue;
    }
    const through = outcome.countedThrough;
    pending = pending.filter((piece) => comparePositions(piece.position, through) > 0);
    if (pending.length === 0) {
      // This delivery ends inside what an earlier one counted: the next batch starts at the
      // record after this one's last, and must find a mark there too.
      const lastHere = ordered.at(-1)?.position.sequence ?? '0';
      const beyond = outcome.sequences.filter(
        (sequence) => compareSequences(sequence, lastHere) > 0,
      );
      const [after] = beyond;
      if (after) {
        await dependencies.store.continueMark(
          { first: { sequence: after, part: 0 }, last: through, sequences: beyond },
          dependencies.now(),
        );
      }
    }
  }
  result.counted = countedRecords.size;
  result.duplicates = records.length - countedRecords.size;
  return result;
}
