import {
  type AggregateCounts,
  type AggregateGroup,
  type ResponseForAggregation,
  tallyResponses,
} from '../domain/response-aggregates.ts';

/** A response as its stream record brings it: the record's place in its shard, in order. */
export interface StreamedResponse extends ResponseForAggregation {
  sequenceNumber: string;
}

export interface AggregateStore {
  /**
   * Adds the groups' sums and marks the batch from `firstSequence` to `lastSequence`
   * counted, atomically. When that batch start was counted before, answers through which
   * sequence number, and writes nothing.
   */
  count(
    batch: { firstSequence: string; lastSequence: string },
    groups: { group: AggregateGroup; counts: AggregateCounts }[],
    shard: number,
    countedAt: Date,
  ): Promise<{ counted: true } | { countedThrough: string } | { conflict: true }>;
}

/** The batch kept conflicting with concurrent writers; the event source retries it. */
export class AggregationConflictError extends Error {
  override name = 'AggregationConflictError';
}

const MAX_ATTEMPTS = 6;

/**
 * Counts a batch of new responses into daily aggregates exactly once, at the cost of one
 * mark per batch rather than one per response. A stream shard is read in order and a
 * failed batch comes back from its first record (the event source mapping neither bisects
 * batches nor reads a shard in parallel), so a batch start identifies what was counted; a
 * redelivery that reaches past the counted range counts only the records after it.
 */
export async function aggregateResponses(
  dependencies: { store: AggregateStore; timeZone: string; shard: () => number; now: () => Date },
  records: readonly StreamedResponse[],
): Promise<{ counted: number; duplicates: number; groups: number }> {
  const bySequence = (a: StreamedResponse, b: StreamedResponse) =>
    BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1;
  // One response per invitation, whatever the stream repeats.
  let pending = [...new Map(records.map((record) => [record.invitationId, record])).values()].sort(
    bySequence,
  );
  let duplicates = records.length - pending.length;
  let counted = 0;
  let groupsWritten = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && pending.length > 0; attempt += 1) {
    const groups = [...tallyResponses(pending, dependencies.timeZone).values()];
    const outcome = await dependencies.store.count(
      {
        firstSequence: pending[0]?.sequenceNumber ?? '',
        lastSequence: pending.at(-1)?.sequenceNumber ?? '',
      },
      groups,
      dependencies.shard(),
      dependencies.now(),
    );
    if ('counted' in outcome) {
      counted += pending.length;
      groupsWritten += groups.length;
      pending = [];
    } else if ('countedThrough' in outcome) {
      const through = BigInt(outcome.countedThrough);
      const after = pending.filter((record) => BigInt(record.sequenceNumber) > through);
      duplicates += pending.length - after.length;
      pending = after;
      attempt = 0;
    } else {
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    }
  }
  if (pending.length > 0) {
    throw new AggregationConflictError(
      `${pending.length} responses conflicted ${MAX_ATTEMPTS} times`,
    );
  }
  return { counted, duplicates, groups: groupsWritten };
}
