/**
 * The load bench (docs/design.md §9): mixed requests against a sandbox at sustained
 * concurrency (complaint events, a tenth of them repeated; invitations; web answers; SMS
 * conversations), then a check from the stored data that every accepted request landed
 * exactly once and that the aggregates equal the answers. Prints the rate and the p50/p99
 * latency per route; lost and doubled are counted, never assumed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { dayInTimeZone } from '#shared/domain/zoned-time.ts';
import { signatureHeader } from '#shared/http/signature.ts';
import { twilioSignature } from '#shared/http/twilio-signature.ts';
import { nearestRank } from '#shared/indicators/statistics.ts';
import { aggregateKeys } from '#shared/tables/aggregates.ts';
import { complaintKeys } from '#shared/tables/complaints.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';

/** Requests in flight at any moment. */
const CONCURRENCY = 16;
/** A region of the bench's own, so that its counts are its alone. */
const REGION = 'LD-BENCH';
/** An SMS survey's replies: CSAT 5, NPS 9, no comment. */
const SMS_REPLIES = ['5', '9', '无'] as const;
const SMS_SCORES = { csat: 5, nps: 9 };

type Route =
  | 'POST /webhooks/complaints/{source}'
  | 'POST /invitations'
  | 'POST /s/{token}'
  | 'POST /sms/inbound';

/** The mix for `total` requests: shares of complaint events, web and SMS surveys. */
export function loadMix(total: number) {
  // Per 10,000: 5,000 complaint events (500 of them repeats), 1,500 web surveys (an
  // invitation and an answer each), 500 SMS surveys (an invitation and three replies each).
  const smsSurveys = Math.round(total * 0.05);
  const webSurveys = Math.round(total * 0.15);
  const complaintRequests = total - 2 * webSurveys - 4 * smsSurveys;
  const repeats = Math.round(complaintRequests / 10);
  return {
    complaintRequests,
    repeats,
    uniqueEvents: complaintRequests - repeats,
    webSurveys,
    smsSurveys,
  };
}

interface Timed {
  route: Route;
  ms: number;
  status: number;
}

const timings: Timed[] = [];

/** Attempts per request: a client repeats one answered 5xx, as operator systems and gateways do. */
const ATTEMPTS = 5;
let retries = 0;

/**
 * Sends a request (again, unchanged but for a fresh signature, while it is answered 5xx) and
 * times it to the end of its last body; answers the last status and body.
 */
async function timed(route: Route, send: () => Promise<Response>) {
  const started = performance.now();
  for (let attempt = 1; ; attempt += 1) {
    const response = await send();
    const text = await response.text();
    if (response.status < 500 || attempt === ATTEMPTS) {
      timings.push({ route, ms: performance.now() - started, status: response.status });
      return { status: response.status, text, attempts: attempt };
    }
    retries += 1;
  }
}

/** Runs `work` over `items` with `concurrency` at a time, in order of the items. */
async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

/**
 * Waits until `remaining` answers 0, or until it has not fallen for `stalledSeconds`: a
 * backlog that still drains is waited for however long it is, one that stopped is not.
 */
async function until(remaining: () => Promise<number>, stalledSeconds: number) {
  let least = Number.POSITIVE_INFINITY;
  let movedAt = Date.now();
  for (;;) {
    const left = await remaining();
    if (left <= 0) return true;
    if (left < least) {
      least = left;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stalledSeconds * 1000) return false;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Every item of a table that `keep` selects, read straight from moto (uncounted). */
async function scanAll(
  documents: DynamoDBDocumentClient,
  TableName: string,
  keep: (item: Record<string, unknown>) => boolean,
) {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName, ExclusiveStartKey }));
    items.push(...(page.Items ?? []).filter(keep));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/**
 * The items at `keys`, read straight from moto (uncounted), a hundred keys a call: what the
 * waits poll, since a Scan walks the whole table and the tables grow with the run.
 */
async function getAll(
  documents: DynamoDBDocumentClient,
  TableName: string,
  keys: Record<string, string>[],
  attributes: string[],
) {
  const projection = {
    ProjectionExpression: attributes.map((_, index) => `#a${index}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(
      attributes.map((name, index) => [`#a${index}`, name]),
    ),
  };
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    let Keys: Record<string, unknown>[] | undefined = keys.slice(start, start + 100);
    while (Keys && Keys.length > 0) {
      const answer: BatchGetCommandOutput = await documents.send(
        new BatchGetCommand({ RequestItems: { [TableName]: { Keys, ...projection } } }),
      );
      items.push(...(answer.Responses?.[TableName] ?? []));
      Keys = answer.UnprocessedKeys?.[TableName]?.Keys;
    }
  }
  return items;
}

/** Runs the load bench on a sandbox of its own; answers printable lines and whether it was exact. */
export async function benchLoad(
  sandbox: Sandbox,
  total = 10_000,
): Promise<{ lines: string[]; met: boolean }> {
  const { apiUrl, secrets } = sandbox.outputs;
  sandbox.app.host('InvitationIntake').fn.environment.QUIET_HOURS = '00:00-00:00';
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    }),
  );
  const mix = loadMix(total);
  const run = randomUUID().slice(0, 8);
  const publishedBefore = sandbox.app.proxy.smsPublished;

  // What is sent. Complaint events: each complaint created and then resolved, so that
  // events of one complaint meet in the processor; every tenth request repeats an event.
  const events = Array.from({ length: mix.uniqueEvents }, (_, index) => {
    const complaint = Math.floor(index / 2);
    return {
      eventId: `load-${run}-${index}`,
      complaintId: `LOAD-${run}-${complaint}`,
      type: index % 2 === 0 ? 'created' : 'resolved',
      occurredAt: new Date(Date.now() - (index % 2 === 0 ? 3_600_000 : 60_000)).toISOString(),
      kind: 'complaint',
      category: 'billing',
      region: REGION,
      service: 'mobile_data',
      via: 'direct',
      ...(index % 2 === 1 ? { outcome: 'upheld' } : {}),
    };
  });
  const complaintSends = events.flatMap((event, index) =>
    index % 9 === 0 && index / 9 < mix.repeats ? [event, event] : [event],
  );
  const scores = (n: number) => ({ csat: 1 + (n % 5), nps: n % 11 });
  type Task =
    | { kind: 'complaint'; event: (typeof events)[number] }
    | { kind: 'web'; n: number }
    | { kind: 'sms-invite'; n: number }
    | { kind: 'sms-conversation'; n: number };
  // Interleaved, so that every kind is in flight at once; an SMS conversation comes a while
  // after its invitation (its SMS must have gone out first).
  const tasks: Task[] = [];
  const queues = {
    complaint: complaintSends.map((event) => ({ kind: 'complaint' as const, event })),
    web: Array.from({ length: mix.webSurveys }, (_, n) => ({ kind: 'web' as const, n })),
    sms: Array.from({ length: mix.smsSurveys }, (_, n) => ({ kind: 'sms-invite' as const, n })),
  };
  const steps = Math.max(queues.complaint.length, 1);
  for (let step = 0; step < steps; step += 1) {
    const at = (length: number) => Math.floor((step * length) / steps);
    const next = (length: number) => Math.floor(((step + 1) * length) / steps);
    tasks.push(...queues.complaint.slice(step, step + 1));
    tasks.push(...queues.web.slice(at(queues.web.length), next(queues.web.length)));
    tasks.push(...queues.sms.slice(at(queues.sms.length), next(queues.sms.length)));
  }
  const phoneOf = (n: number) => `+86136${String(n).padStart(8, '0')}`;
  /** Each accepted SMS invitation's id, by its survey's number. */
  const smsAccepted = new Map<number, string>();

  const accepted = { complaints: new Set<string>(), web: 0, answers: 0, sms: 0, replies: 0 };
  const expectedScores = new Map<string, number>();
  const addScores = ({ csat, nps }: { csat: number; nps: number }) => {
    for (const key of [`csat_${csat}`, `nps_${nps}`, 'responses']) {
      expectedScores.set(key, (expectedScores.get(key) ?? 0) + 1);
    }
  };
  const refused: string[] = [];

  const complaintSecret = secrets.complaintSources.crm ?? '';
  const invitationSecret = secrets.invitationSources.crm ?? '';
  const invite = (channel: 'web' | 'sms', n: number) => {
    const body = Buffer.from(
      JSON.stringify({
        eventId: `load-${run}-${channel}-${n}`,
        customerRef: `load-${run}-${channel}-${n}`,
        phone: channel === 'sms' ? phoneOf(n) : phoneOf(500_000 + n),
        locale: 'zh-CN',
        channel,
        touchpoint: 'store',
        region: REGION,
        service: 'mobile_data',
        occurredAt: new Date().toISOString(),
      }),
    );
    return timed('POST /invitations', () =>
      fetch(`${apiUrl}/invitations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature': signatureHeader(invitationSecret, Math.floor(Date.now() / 1000), body),
        },
        body,
      }),
    );
  };
  const smsUrl = `${apiUrl}/sms/inbound`;
  const reply = (n: number, text: string) => {
    const params: [string, string][] = [
      ['MessageSid', `SM${randomUUID().replaceAll('-', '')}`],
      ['From', phoneOf(n)],
      ['To', '+8610690000'],
      ['Body', text],
    ];
    return timed('POST /sms/inbound', () =>
      fetch(smsUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature(secrets.smsAuthToken, smsUrl, params),
        },
        body: new URLSearchParams(params).toString(),
      }),
    );
  };

  const work = async (task: Task) => {
    if (task.kind === 'complaint') {
      const body = Buffer.from(JSON.stringify(task.event));
      const response = await timed('POST /webhooks/complaints/{source}', () =>
        fetch(`${apiUrl}/webhooks/complaints/crm`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-signature': signatureHeader(complaintSecret, Math.floor(Date.now() / 1000), body),
          },
          body,
        }),
      );
      if (response.status === 202) accepted.complaints.add(task.event.eventId);
      else refused.push(`complaint ${response.status}`);
    } else if (task.kind === 'web') {
      const created = await invite('web', task.n);
      // 200: a repeat after a 5xx found the invitation the first attempt made.
      if (created.status !== 201 && created.status !== 200) {
        refused.push(`web invitation ${created.status}`);
        return;
      }
      accepted.web += 1;
      const { surveyUrl } = JSON.parse(created.text) as { surveyUrl: string };
      const { csat, nps } = scores(task.n);
      const answered = await timed('POST /s/{token}', () =>
        fetch(surveyUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `csat=${csat}&nps=${nps}`,
          redirect: 'manual',
        }),
      );
      // 409 to a repeat after a 5xx: the first attempt's answer landed, and the link is used.
      if (answered.status === 303 || (answered.status === 409 && answered.attempts > 1)) {
        accepted.answers += 1;
        addScores({ csat, nps });
      } else refused.push(`answer ${answered.status}`);
    } else if (task.kind === 'sms-invite') {
      const created = await invite('sms', task.n);
      if (created.status === 201 || created.status === 200) {
        accepted.sms += 1;
        const { invitationId } = JSON.parse(created.text) as { invitationId: string };
        smsAccepted.set(task.n, invitationId);
      } else refused.push(`sms invitation ${created.status}`);
    } else {
      let answered = true;
      for (const text of SMS_REPLIES) {
        const response = await reply(task.n, text);
        if (response.status === 200) accepted.replies += 1;
        else {
          answered = false;
          refused.push(`sms reply ${response.status}`);
        }
      }
      if (answered) addScores(SMS_SCORES);
    }
  };
  const load = loadavg();
  const cpuBefore = cpuSeconds(sandbox);
  const started = performance.now();
  // Where the run is, every 15 s on stderr: a long run on a shared machine is watched.
  const progress = { phase: 'mixed requests' };
  // The emulator's time by operation and the CPU seconds moto and this process used since
  // the last line: a rate that falls while the CPU per request stays level is the machine.
  let last = {
    counts: new Map<string, { calls: number; ms: number }>(),
    cpu: cpuSeconds(sandbox),
    requests: 0,
  };
  const ticker = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    const counts = new Map(
      [...sandbox.app.proxy.counts].map(([key, { calls, ms }]) => [key, { calls, ms }]),
    );
    const cpu = cpuSeconds(sandbox);
    const answered = timings.length - last.requests;
    const busiest = [...counts]
      .map(([key, value]) => {
        const before = last.counts.get(key) ?? { calls: 0, ms: 0 };
        return { key, calls: value.calls - before.calls, ms: value.ms - before.ms };
      })
      .filter((delta) => delta.calls > 0 && !/ReceiveMessage$/.test(delta.key))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5);
    const perRequest = (used: number) =>
      answered > 0 ? `${((used * 1000) / answered).toFixed(0)} ms/request` : '—';
    process.stderr.write(
      `load: ${progress.phase}, ${timings.length} requests answered in ${seconds.toFixed(0)} s (${refused.length} refused); CPU moto ${perRequest(cpu.moto - last.cpu.moto)}, node ${perRequest(cpu.node - last.cpu.node)}; load average ${loadavg()[0]?.toFixed(1)}\n` +
        `  emulator time: ${busiest.map((d) => `${d.key.replace(/^[A-Za-z]+_\d+\./, '').replace(/^query\./, '')} ${d.calls}× ${(d.ms / d.calls).toFixed(0)} ms`).join(', ')}\n`,
    );
    last = { counts, cpu, requests: timings.length };
  }, 15_000);
  ticker.unref();
  await inParallel(tasks, CONCURRENCY, work);
  // The SMS conversations, once each invitation's SMS has gone out.
  progress.phase = 'waiting for the SMS to go out';
  const surveysTable = sandbox.app.host('SurveyPage').fn.environment.SURVEYS_TABLE_NAME ?? '';
  const sentSms = async () =>
    new Set(
      (
        await getAll(
          documents,
          surveysTable,
          [...smsAccepted.values()].map((id) => surveyKeys.invitation(id)),
          ['pk', 'status'],
        )
      )
        // An SMS whose sender died between SNS and its record is `unconfirmed` once its
        // claim's lease is over (docs/design.md §3): its conversation is open all the same.
        .filter((item) => item.status === 'sent' || item.status === 'unconfirmed')
        .map((item) => String(item.pk)),
    );
  // Sent and recorded, so that each conversation is open before its first reply.
  await until(async () => smsAccepted.size - (await sentSms()).size, 120);
  progress.phase = 'SMS conversations';
  // Only an SMS that went out has a conversation to answer; one that did not is lost.
  const sent = await sentSms();
  await inParallel(
    [...smsAccepted]
      .filter(([, id]) => sent.has(surveyKeys.invitation(id).pk))
      .map(([n]) => ({ kind: 'sms-conversation' as const, n })),
    CONCURRENCY,
    work,
  );
  const driven = (performance.now() - started) / 1000;
  const cpuDriven = cpuSeconds(sandbox);
  const loadAfter = loadavg();
  progress.phase = 'waiting for everything to be stored and counted';

  // Settled: every accepted complaint event stored, every answer counted.
  const complaintsTable =
    sandbox.app.host('ComplaintProcessor').fn.environment.COMPLAINTS_TABLE_NAME ?? '';
  const aggregatesTable =
    sandbox.app.host('ResponseAggregator').fn.environment.AGGREGATES_TABLE_NAME ?? '';
  const day = dayInTimeZone(new Date(), 'Asia/Shanghai');
  const aggregates = async () => {
    const partitions = await Promise.all(
      aggregateKeys
        .counterDayQueries('responses', day, `${REGION}#`)
        .map((counterQuery) =>
          documents.send(new QueryCommand({ TableName: aggregatesTable, ...counterQuery })),
        ),
    );
    const totals = new Map<string, number>();
    for (const item of partitions.flatMap(({ Items = [] }) => Items)) {
      for (const [key, value] of Object.entries(item)) {
        if (/^(responses|csat_\d|nps_\d+)$/.test(key)) {
          totals.set(key, (totals.get(key) ?? 0) + Number(value));
        }
      }
    }
    return totals;
  };
  const expectedResponses = expectedScores.get('responses') ?? 0;
  // The complaints' states by key while waiting (their event counts); the events once settled.
  const complaintIds = [
    ...new Set(
      events
        .filter((event) => accepted.complaints.has(event.eventId))
        .map((event) => event.complaintId),
    ),
  ];
  const countedEvents = async () =>
    (
      await getAll(
        documents,
        complaintsTable,
        complaintIds.map((id) => ({ pk: complaintKeys.pk('crm', id), sk: complaintKeys.stateSk })),
        ['eventCount'],
      )
    ).reduce((sum, item) => sum + Number(item.eventCount ?? 0), 0);
  await until(
    async () =>
      Math.max(0, expectedResponses - ((await aggregates()).get('responses') ?? 0)) +
      Math.max(0, accepted.complaints.size - (await countedEvents())),
    120,
  );
  const settled = (performance.now() - started) / 1000;
  clearInterval(ticker);

  // Lost and doubled, from the stored data.
  const complaintItems = await scanAll(documents, complaintsTable, (item) =>
    String(item.pk).includes(`LOAD-${run}-`),
  );
  const storedEvents = complaintItems.filter((item) => String(item.sk).startsWith('EVENT#'));
  const storedIds = storedEvents.map((item) => String(item.sk).replace(/^EVENT#/, ''));
  const stored = new Set(storedIds);
  const stateEvents = complaintItems
    .filter((item) => item.sk === complaintKeys.stateSk)
    .reduce((sum, item) => sum + Number(item.eventCount ?? 0), 0);
  const complaintsLost = [...accepted.complaints].filter((id) => !stored.has(id)).length;
  const complaintsDoubled =
    storedIds.length - stored.size + Math.max(0, stateEvents - accepted.complaints.size);
  const invitations = await scanAll(
    documents,
    surveysTable,
    (item) => item.sk === 'INVITATION' && String(item.customerRef ?? '').startsWith(`load-${run}-`),
  );
  const invitationsLost = Math.max(0, accepted.web + accepted.sms - invitations.length);
  const invitationsDoubled = Math.max(0, invitations.length - accepted.web - accepted.sms);
  const smsSent = invitations.filter((item) => item.channel === 'sms' && item.status === 'sent');
  // SMS alone: the hourly missed-schedule check publishes alarms to a topic (four, in a
  // sandbox that has published no report) when a run spans the hour.
  const published = sandbox.app.proxy.smsPublished - publishedBefore;
  const smsLost = Math.max(0, accepted.sms - smsSent.length);
  const smsDoubled = Math.max(0, published - smsSent.length);
  const totals = await aggregates();
  const scoreKeys = new Set([...expectedScores.keys(), ...totals.keys()]);
  let answersLost = 0;
  let answersDoubled = 0;
  for (const key of scoreKeys) {
    const difference = (totals.get(key) ?? 0) - (expectedScores.get(key) ?? 0);
    if (difference < 0) answersLost -= difference;
    else answersDoubled += difference;
  }
  const lost = complaintsLost + invitationsLost + smsLost + answersLost;
  const doubled = complaintsDoubled + invitationsDoubled + smsDoubled + answersDoubled;

  const requests = timings.length;
  const lines = [
    `Load: ${requests} requests (${mix.complaintRequests} complaint events, ${mix.repeats} of them repeats; ${mix.webSurveys} web invitations and answers; ${mix.smsSurveys} SMS invitations with ${SMS_REPLIES.length} replies each), ${CONCURRENCY} in flight; load average before ${load.map((value) => value.toFixed(1)).join(' ')}`,
    `  rate ${(requests / driven).toFixed(0)} requests/s answered (${driven.toFixed(0)} s); everything stored and counted after ${settled.toFixed(0)} s; load average after ${loadAfter.map((value) => value.toFixed(1)).join(' ')}`,
    `  CPU per request: moto ${(((cpuDriven.moto - cpuBefore.moto) * 1000) / requests).toFixed(0)} ms (one Python process, one DynamoDB request at a time), this process ${(((cpuDriven.node - cpuBefore.node) * 1000) / requests).toFixed(0)} ms (API, functions, bench). Emulator-bound: the sandbox's rate on this machine, not a deployment's`,
  ];
  for (const route of [...new Set(timings.map((timing) => timing.route))]) {
    const of = timings.filter((timing) => timing.route === route);
    const ms = of.map((timing) => timing.ms);
    const statuses = [...new Set(of.map((timing) => timing.status))].sort().join('/');
    lines.push(
      `  ${route.padEnd(36)} ${String(of.length).padStart(6)} requests  p50 ${(nearestRank(ms, 0.5) ?? 0).toFixed(0).padStart(5)} ms  p99 ${(nearestRank(ms, 0.99) ?? 0).toFixed(0).padStart(5)} ms  (${statuses})`,
    );
  }
  const exact = lost === 0 && doubled === 0 && refused.length === 0;
  lines.push(
    `  accepted: ${accepted.complaints.size} distinct complaint events, ${accepted.web + accepted.sms} invitations, ${accepted.answers} web answers, ${accepted.replies} SMS replies (${refused.length} refused${refused.length ? `: ${[...new Set(refused)].join(', ')}` : ''})`,
    `  stored: ${storedEvents.length} complaint events (${stateEvents} by the complaints' counts), ${invitations.length} invitations, ${smsSent.length} SMS sent (${published} published), ${totals.get('responses') ?? 0} responses counted of ${expectedResponses} answered`,
    `  ${retries} requests repeated after a 5xx (Lambda timeouts while moto queues; the repeat carries the same event id or MessageSid)`,
    `  lost ${lost}, doubled ${doubled}${exact ? '' : '  DIFFERS'}`,
  );
  documents.destroy();
  return { lines, met: exact };
}

/** CPU seconds used so far by moto_server (when the sandbox started it; Linux) and by this process. */
function cpuSeconds(sandbox: Sandbox) {
  const usage = process.cpuUsage();
  let moto = 0;
  try {
    // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second).
    const fields = readFileSync(`/proc/${sandbox.app.emulator?.pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    moto = (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    // no /proc, or an emulator the sandbox did not start
  }
  return { moto, node: (usage.user + usage.system) / 1e6 };
}
