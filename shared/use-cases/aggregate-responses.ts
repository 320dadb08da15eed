import {
  type AggregateCounts,
  type AggregateGroup,
  type ResponseForAggregation,
  tallyResponses,
} from '../domain/response-aggregates.ts';

export interface AggregateStore {
  count(
    invitationIds: string[],
    groups: { group: AggregateGroup; counts: AggregateCounts }[],
    shard: number,
    countedAt: Date,
  ): Promise<{ counted: string[] } | { alreadyCounted: string[] } | { conflict: true }>;
}

/** The batch kept conflicting with concurrent writers; the event source retries it. */
export class AggregationConflictError extends Error {
  override name = 'AggregationConflictError';
}

const MAX_ATTEMPTS = 6;

/**
 * Counts a batch of new responses into daily aggregates exactly once: one transaction
 * marks every response counted and adds the batch's sums to one shard per group.
 * Responses already counted (a redelivered batch) are dropped and the rest retried.
 */
export async function aggregateResponses(
  dependencies: { store: AggregateStore; timeZone: string; shard: () => number; now: () => Date },
  responses: readonly ResponseForAggregation[],
): Promise<{ counted: number; duplicates: number; groups: number }> {
  let pending = [
    ...new Map(responses.map((response) => [response.invitationId, response])).values(),
  ];
  let duplicates = responses.length - pending.length;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && pending.length > 0; attempt += 1) {
    const groups = [...tallyResponses(pending, dependencies.timeZone).values()];
    const outcome = await dependencies.store.count(
      pending.map((response) => response.invitationId),
      groups,
      dependencies.shard(),
      dependencies.now(),
    );
    if ('counted' in outcome) return { counted: pending.length, duplicates, groups: groups.length };
    if ('alreadyCounted' in outcome) {
      const already = new Set(outcome.alreadyCounted);
      duplicates += already.size;
      pending = pending.filter((response) => !already.has(response.invitationId));
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
  }
  if (pending.length === 0) return { counted: 0, duplicates, groups: 0 };
  throw new AggregationConflictError(
    `${pending.length} responses conflicted ${MAX_ATTEMPTS} times`,
  );
}
