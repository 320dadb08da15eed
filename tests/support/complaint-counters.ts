import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { expect, vi } from 'vitest';
import { countersOfStates, nonZero } from '#shared/domain/complaint-aggregates.ts';
import type { ComplaintState } from '#shared/domain/complaint-lifecycle.ts';
import {
  complaintFiguresOfStates,
  complaintFiguresRequest,
  loadComplaintFigures,
} from '#shared/indicators/complaint-figures.ts';
import { parsePeriod } from '#shared/indicators/periods.ts';
import { complaintAggregateKeys } from '#shared/tables/aggregates.ts';
import type { ReportInputs } from '#shared/use-cases/build-report.ts';

/** Counters by `<pk without shard> <sk>`, zeros left out: what two readings compare by. */
export type CounterTable = Record<string, Record<string, number>>;

const withoutZeros = (items: Iterable<[string, Record<string, number>]>): CounterTable =>
  Object.fromEntries(
    [...items]
      .map(
        ([id, counts]) =>
          [
            id,
            Object.fromEntries(Object.entries(counts).filter(([, value]) => value !== 0)),
          ] as const,
      )
      .filter(([, counts]) => Object.keys(counts).length > 0),
  );

/** What the counters of these states must hold: their contributions, summed. */
export function expectedComplaintCounters(
  states: readonly ComplaintState[],
  timeZone: string,
): CounterTable {
  return withoutZeros(
    nonZero(countersOfStates(states, timeZone)).map((item) => [
      `${item.pk} ${item.sk}`,
      { ...item.counts },
    ]),
  );
}

/** A region's complaint counter items as the aggregates table holds them, shards summed. */
export async function storedComplaintCounters(
  documents: DynamoDBDocumentClient,
  TableName: string,
  region: string,
): Promise<CounterTable> {
  const items = new Map<string, Record<string, number>>();
  for await (const page of paginateScan(
    { client: documents },
    { TableName, ConsistentRead: true },
  )) {
    for (const item of page.Items ?? []) {
      const pk = complaintAggregateKeys.unsharded(String(item.pk));
      if (complaintAggregateKeys.parse({ pk, sk: String(item.sk) })?.region !== region) continue;
      const id = `${pk} ${String(item.sk)}`;
      const counts = items.get(id) ?? {};
      for (const [name, value] of Object.entries(item)) {
        if (name !== 'pk' && name !== 'sk') counts[name] = (counts[name] ?? 0) + Number(value);
      }
      items.set(id, counts);
    }
  }
  return withoutZeros(items);
}

/** Every complaint state of a window's extract parts, read page by page: each complaint once. */
export async function complaintStatesOfWindow(
  inputs: Pick<ReportInputs, 'complaintStatePages'>,
  window: readonly string[],
): Promise<ComplaintState[]> {
  const states: ComplaintState[] = [];
  for (const month of window) {
    for await (const page of inputs.complaintStatePages(month, window)) states.push(...page.states);
  }
  return states;
}

/**
 * Waits until the complaint counters give a period's figures as its complaint states do:
 * the aggregator of a running sandbox has counted every state change the processor wrote.
 */
export async function complaintCountersCaughtUp(
  inputs: ReportInputs,
  timeZone: string,
  period: string,
): Promise<void> {
  const request = complaintFiguresRequest(parsePeriod(period, timeZone), {
    quantiles: [],
    withinHours: [],
  });
  await vi.waitFor(
    async () => {
      const states = await complaintStatesOfWindow(inputs, request.window);
      const counted = await loadComplaintFigures(inputs.complaintCounters, request);
      expect(counted).toEqual(complaintFiguresOfStates(states, timeZone, request));
    },
    { timeout: 30_000, interval: 250 },
  );
}
