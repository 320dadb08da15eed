import {
  type AggregateCounts,
  type AggregateGroup,
  addToTally,
  type ResponseForAggregation,
  type Tally,
  tallyResponses,
} from '../domain/response-aggregates.ts';

/** A response as its stream record brings it: the record's place in its shard, in order. */
export interface StreamedResponse extends ResponseForAggregation {
  kind: 'answered';
  sequenceNumber: string;
  /** The invitation's creation time and channel, for the response-rate tally. */
  invitation?: { createdAt: string; channel: string };
}

/** An invitation handed to its customer: a web link created, or an SMS sent. */
export interface StreamedInvitation {
  kind: 'sent';
  invitationId: string;
  sequenceNumber: string;
  createdAt: string;
  region: string;
  service: string;
  touchpoint: string;
  channel: string;
}

export type StreamedRecord = StreamedResponse | StreamedInvitation;

/** Invitations sent and answered, by creation day and group: the response rate's terms. */
export function tallyInvitations(records: readonly StreamedRecord[], timeZone: string) {
  const tally: Tally = new Map();
  for (const record of records) {
    const source =
      record.kind === 'sent'
        ? { createdAt: record.createdAt, channel: record.channel, counter: 'sent' }
        : record.invitation
          ? { ...record.invitation, counter: 'answered' }
          : undefined;
    if (!source) continue;
    addToTally(
      tally,
      source.createdAt,
      timeZone,
      { ...record, channel: source.channel },
      {
        [source.counter]: 1,
      },
    );
  }
  return [...tally.values()];
}

/** A group's sums of a batch, and the counter shard they are added to. */
export interface ShardedSums {
  group: AggregateGroup;
  counts: AggregateCounts;
  shard: number;
}

export interface AggregateStore {
  /**
   * Adds the groups' sums, each to its shard, and marks the batch from `firstSequence` to
   * `lastSequence` counted, atomically. When that batch start was counted before, answers
   * through which sequence number, and writes nothing.
   */
  count(
    batch: { firstSequence: string; lastSequence: string },
    groups: ShardedSums[],
    invitationGroups: ShardedSums[],
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
  records: readonly StreamedRecord[],
): Promise<{ counted: number; duplicates: number; groups: number }> {
  const bySequence = (a: StreamedRecord, b: StreamedRecord) =>
    BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1;
  // One answer and one sending per invitation, whatever the stream repeats.
  let pending = [
    ...new Map(records.map((record) => [`${record.kind}#${record.invitationId}`, record])).values(),
  ].sort(bySequence);
  let duplicates = records.length - pending.length;
  let counted = 0;
  let groupsWritten = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && pending.length > 0; attempt += 1) {
    const answered = pending.filter(
      (record): record is StreamedResponse => record.kind === 'answered',
    );
    // A shard for each group, not one for the batch: a batch's writes spread over a day's
    // shard keys, so each key takes its share every second rather than whole batches.
    const sharded = (sums: { group: AggregateGroup; counts: AggregateCounts }[]) =>
      sums.map((entry) => ({ ...entry, shard: dependencies.shard() }));
    const groups = sharded([...tallyResponses(answered, dependencies.timeZone).values()]);
    const invitationGroups = sharded(tallyInvitations(pending, dependencies.timeZone));
    const outcome = await dependencies.store.count(
      {
        firstSequence: pending[0]?.sequenceNumber ?? '',
        lastSequence: pending.at(-1)?.sequenceNumber ?? '',
      },
      groups,
      invitationGroups,
      dependencies.now(),
    );
    if ('counted' in outcome) {
      counted += pending.length;
      groupsWritten += groups.length + invitationGroups.length;
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
