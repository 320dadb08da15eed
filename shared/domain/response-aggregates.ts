import { dayInTimeZone } from './zoned-time.ts';

/** A recorded response as aggregation sees it: dimensions and scores, no comment. */
export interface ResponseForAggregation {
  invitationId: string;
  submittedAt: string;
  region: string;
  service: string;
  touchpoint: string;
  channel: 'web' | 'sms';
  csat?: number;
  nps?: number;
}

/** The group a response is counted in: a day in the reporting time zone and its dimensions. */
export interface AggregateGroup {
  day: string;
  region: string;
  service: string;
  touchpoint: string;
  channel: string;
}

/** Counters of a group: responses and the histogram of each scale. */
export type AggregateCounts = Record<string, number>;

/** The counter names: `responses`, `csat_1`…`csat_5`, `nps_0`…`nps_10`. */
export function countersOf(response: ResponseForAggregation): AggregateCounts {
  const counts: AggregateCounts = { responses: 1 };
  if (response.csat !== undefined) counts[`csat_${response.csat}`] = 1;
  if (response.nps !== undefined) counts[`nps_${response.nps}`] = 1;
  return counts;
}

export const groupKeyOf = (group: AggregateGroup) =>
  [group.day, group.region, group.service, group.touchpoint, group.channel].join('#');

/**
 * Sums a batch of responses per group, so that each group is written once per batch
 * whatever the number of its responses (no per-item write to a hot aggregate).
 */
export function tallyResponses(
  responses: readonly ResponseForAggregation[],
  timeZone: string,
): Tally {
  const tally: Tally = new Map();
  for (const response of responses) {
    addToTally(tally, response.submittedAt, timeZone, response, countersOf(response));
  }
  return tally;
}

/** Sums per group: a day in the reporting time zone and the dimensions. */
export type Tally = Map<string, { group: AggregateGroup; counts: AggregateCounts }>;

/** Adds counters to the group of the instant's day and the given dimensions. */
export function addToTally(
  tally: Tally,
  at: string,
  timeZone: string,
  dimensions: Omit<AggregateGroup, 'day'>,
  counts: AggregateCounts,
): void {
  const group: AggregateGroup = {
    day: dayInTimeZone(new Date(at), timeZone),
    region: dimensions.region,
    service: dimensions.service,
    touchpoint: dimensions.touchpoint,
    channel: dimensions.channel,
  };
  const key = groupKeyOf(group);
  const entry = tally.get(key) ?? { group, counts: {} };
  for (const [name, value] of Object.entries(counts)) {
    entry.counts[name] = (entry.counts[name] ?? 0) + value;
  }
  tally.set(key, entry);
}
