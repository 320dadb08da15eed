/**
 * The survey budgets of docs/design.md §9 that a sandbox run can measure: AWS cost per million
 * responses (every AWS call the functions make, counted at the emulator proxy, and every
 * request, invocation and log line, priced at us-east-1 list prices), and the sandbox's
 * end-to-end ingest rate with exact counts afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { EDGE_RATE_CLASSES } from '#infra/config.ts';
import { routeClassOf } from '#infra/constructs/service-api.ts';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { dynamoDbSurveyLinkStore } from '#shared/adapters/dynamodb/survey-link-store.ts';
import { hashSurveyToken } from '#shared/domain/survey-token.ts';
import { dayInTimeZone } from '#shared/domain/zoned-time.ts';
import { signatureHeader } from '#shared/http/signature.ts';
import { twilioSignature } from '#shared/http/twilio-signature.ts';
import { nearestRank } from '#shared/indicators/statistics.ts';
import { aggregateKeys } from '#shared/tables/aggregates.ts';
import { complaintKeys } from '#shared/tables/complaints.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';
import { flowUnits, type MeasuredUnits, type Stored, storedItems } from './capacity.ts';

/** us-east-1 list prices (USD) used for the estimate, per unit named. */
export const PRICES = {
  httpApiPerMillionRequests: 1.0,
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
  sqsPerMillionRequests: 0.4,
  secretsManagerPerTenThousandCalls: 0.05,
  cloudWatchLogsPerGbIngested: 0.5,
  /** API Gateway's responses to the internet, at EC2's first-tier rate. */
  dataTransferOutPerGb: 0.09,
  xRayPerMillionTracesRecorded: 5.0,
};

/**
 * List prices (USD) of the optional edge (docs/operations.md, The edge): CloudFront in its
 * United States, Mexico and Canada price class (viewers in Asia pay about 1.2 to 1.4 times
 * as much per request and gigabyte), AWS WAF's web ACL and rules. The API's responses to
 * CloudFront cost nothing: transfer from an AWS origin to CloudFront is free.
 */
export const EDGE_PRICES = {
  cloudFrontPerMillionHttpsRequests: 1.0,
  cloudFrontTransferToViewersPerGb: 0.085,
  cloudFrontTransferToOriginPerGb: 0.02,
  wafPerMillionRequests: 0.6,
  wafWebAclPerMonth: 5.0,
  wafRulePerMonth: 1.0,
};

/** The web ACL's rules: a rate rule per public route class and the managed common rule set. */
const EDGE_WAF_RULES = EDGE_RATE_CLASSES.length + 1;
/** The monthly volume at which WAF's monthly fees are spread over the answers. */
const EDGE_ANSWERS_PER_MONTH = 1_000_000;

/**
 * The share of invocations Lambda traces under active tracing: one a second, then 5 % of
 * the rest (the rate cannot be set for Lambda). 5 % is the floor it tends to with traffic;
 * at a million invocations a day (12 a second) it is 13 %. The bench counts the floor.
 */
const X_RAY_SAMPLED = 0.05;

export interface Usage {
  apiRequests: number;
  apiAccessLogBytes: number;
  apiBytesOut: number;
  invocations: number;
  gbSeconds: number;
  logBytes: number;
  platformLogBytes: number;
  tracedRoots: number;
  calls: Map<string, { calls: number; units: number }>;
  /** Per function (as people name it): invocations, billed ms, memory size. */
  functions: Map<
    string,
    { invocations: number; records: number; billedMs: number; memoryMb: number }
  >;
  /** DynamoDB capacity units per table. */
  tables: Map<string, { readUnits: number; writeUnits: number }>;
  /** What the routes an edge would front (EDGE_RATE_CLASSES) took and answered. */
  edge: { requests: number; bytesIn: number; bytesOut: number };
}

/** Requests and bytes of the routes that go through the edge when it is on. */
function edgeUsage(sandbox: Sandbox) {
  const total = { requests: 0, bytesIn: 0, bytesOut: 0 };
  for (const [routeKey, usage] of sandbox.server.routeUsage) {
    if (!(EDGE_RATE_CLASSES as readonly string[]).includes(routeClassOf(routeKey))) continue;
    total.requests += usage.requests;
    total.bytesIn += usage.bytesIn;
    total.bytesOut += usage.bytesOut;
  }
  return total;
}

function snapshot(sandbox: Sandbox): Usage {
  let invocations = 0;
  let gbSeconds = 0;
  let logBytes = 0;
  let platformLogBytes = 0;
  let tracedRoots = 0;
  for (const host of sandbox.app.hosts) {
    invocations += host.usage.invocations;
    gbSeconds += (host.usage.billedMs / 1000) * (host.fn.memorySize / 1024);
    logBytes += host.usage.logBytes;
    platformLogBytes += host.usage.platformLogBytes;
    tracedRoots += host.usage.tracedRoots;
  }
  const functions: Usage['functions'] = new Map();
  for (const host of sandbox.app.hosts) {
    functions.set(host.fn.environment.POWERTOOLS_SERVICE_NAME ?? host.fn.logicalId, {
      invocations: host.usage.invocations,
      records: host.usage.records,
      billedMs: host.usage.billedMs,
      memoryMb: host.fn.memorySize,
    });
  }
  return {
    functions,
    tables: new Map(
      [...sandbox.app.proxy.tableUnits].map(([table, units]) => [table, { ...units }]),
    ),
    apiRequests: sandbox.server.requests,
    apiAccessLogBytes: sandbox.server.accessLogBytes,
    apiBytesOut: sandbox.server.bytesOut,
    invocations,
    gbSeconds,
    logBytes,
    platformLogBytes,
    tracedRoots,
    calls: new Map([...sandbox.app.proxy.counts].map(([key, value]) => [key, { ...value }])),
    edge: edgeUsage(sandbox),
  };
}

/** The cost of what happened between two snapshots, itemised. */
function costBetween(before: Usage, after: Usage) {
  const delta = (key: string) => {
    const a = before.calls.get(key) ?? { calls: 0, units: 0 };
    const b = after.calls.get(key) ?? { calls: 0, units: 0 };
    return { calls: b.calls - a.calls, units: b.units - a.units };
  };
  let writeUnits = 0;
  let readUnits = 0;
  let sqs = 0;
  let secrets = 0;
  for (const key of after.calls.keys()) {
    const { calls, units } = delta(key);
    if (key.startsWith('DynamoDB_')) {
      if (/(Put|Update|Delete|TransactWrite|BatchWrite)/.test(key)) writeUnits += units;
      else readUnits += units;
    } else if (key.startsWith('AmazonSQS.')) sqs += calls;
    else if (key.startsWith('secretsmanager.')) secrets += calls;
    // DynamoDB Streams reads by Lambda are free; SNS SMS is the carrier fee, excluded.
  }
  const gb = (key: 'apiAccessLogBytes' | 'apiBytesOut' | 'logBytes' | 'platformLogBytes') =>
    (after[key] - before[key]) / 1e9;
  const items = {
    'API Gateway (HTTP API)':
      ((after.apiRequests - before.apiRequests) / 1e6) * PRICES.httpApiPerMillionRequests,
    'Data transfer out': gb('apiBytesOut') * PRICES.dataTransferOutPerGb,
    'Lambda requests':
      ((after.invocations - before.invocations) / 1e6) * PRICES.lambdaPerMillionRequests,
    'Lambda duration (ARM)': (after.gbSeconds - before.gbSeconds) * PRICES.lambdaArmPerGbSecond,
    'DynamoDB writes': (writeUnits / 1e6) * PRICES.dynamoDbPerMillionWriteUnits,
    'DynamoDB reads': (readUnits / 1e6) * PRICES.dynamoDbPerMillionReadUnits,
    'SQS requests': (sqs / 1e6) * PRICES.sqsPerMillionRequests,
    'Secrets Manager': (secrets / 1e4) * PRICES.secretsManagerPerTenThousandCalls,
    'Logs: functions': gb('logBytes') * PRICES.cloudWatchLogsPerGbIngested,
    'Logs: Lambda platform': gb('platformLogBytes') * PRICES.cloudWatchLogsPerGbIngested,
    'Logs: API access': gb('apiAccessLogBytes') * PRICES.cloudWatchLogsPerGbIngested,
    'X-Ray traces':
      (((after.tracedRoots - before.tracedRoots) * X_RAY_SAMPLED) / 1e6) *
      PRICES.xRayPerMillionTracesRecorded,
  };
  return items;
}

async function invite(sandbox: Sandbox, channel: 'web' | 'sms', phone: string) {
  const body = Buffer.from(
    JSON.stringify({
      eventId: `bench-${randomUUID()}`,
      customerRef: `bench-${randomUUID()}`,
      phone,
      locale: 'zh-CN',
      channel,
      touchpoint: 'store',
      region: 'BJ',
      service: 'mobile_data',
      occurredAt: new Date().toISOString(),
    }),
  );
  const response = await fetch(`${sandbox.outputs.apiUrl}/invitations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signatureHeader(
        sandbox.outputs.secrets.invitationSources.crm ?? '',
        Math.floor(Date.now() / 1000),
        body,
      ),
    },
    body,
  });
  if (!response.ok) {
    throw new Error(`POST /invitations answered ${response.status}: ${await response.text()}`);
  }
  return (await response.json()) as { invitationId: string; surveyUrl: string };
}

const answer = (url: string, csat: number, nps: number) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `csat=${csat}&nps=${nps}`,
    redirect: 'manual',
  });

async function sms(sandbox: Sandbox, from: string, text: string) {
  const url = `${sandbox.outputs.apiUrl}/sms/inbound`;
  const params: [string, string][] = [
    ['MessageSid', `SM${randomUUID().replaceAll('-', '')}`],
    ['From', from],
    ['To', '+8610690000'],
    ['Body', text],
  ];
  await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(sandbox.outputs.secrets.smsAuthToken, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}

/** Responses counted in today's BJ aggregates, read from moto directly (not counted). */
async function countedResponses(sandbox: Sandbox, documents: DynamoDBDocumentClient) {
  const tableName = sandbox.app.host('ResponseAggregator').fn.environment.AGGREGATES_TABLE_NAME;
  const day = dayInTimeZone(new Date(), 'Asia/Shanghai');
  const partitions = await Promise.all(
    aggregateKeys
      .counterDayQueries('responses', day, 'BJ#')
      .map((counterQuery) =>
        documents.send(new QueryCommand({ TableName: tableName, ...counterQuery })),
      ),
  );
  return partitions
    .flatMap(({ Items = [] }) => Items)
    .reduce((sum, item) => sum + Number(item.responses ?? 0), 0);
}

async function until(predicate: () => Promise<boolean>, seconds: number) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

const phoneOf = (n: number) => `+86137${String(n).padStart(8, '0')}`;

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>) {
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
 * Survey links written straight into the emulator, as the invitation intake would leave
 * them: the ingest bench measures answers, and creating hundreds of invitations through
 * moto's whole-table transaction copies would take minutes before the clock starts.
 */
async function directLinks(
  sandbox: Sandbox,
  documents: DynamoDBDocumentClient,
  count: number,
  tableName = sandbox.app.host('SurveyPage').fn.environment.SURVEYS_TABLE_NAME ?? '',
) {
  const linkExpiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const tokens = Array.from({ length: count }, () => randomBytes(32).toString('base64url'));
  for (let start = 0; start < tokens.length; start += 25) {
    await documents.send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName]: tokens.slice(start, start + 25).map((token) => ({
            PutRequest: {
              Item: {
                ...surveyKeys.token(hashSurveyToken(token)),
                invitationId: randomBytes(16).toString('base64url'),
                linkExpiresAt,
                createdAt: new Date().toISOString(),
                locale: 'zh-CN',
                touchpoint: 'store',
                surveyVersion: 1,
                channel: 'web',
                region: 'BJ',
                service: 'mobile_data',
                expiresAt: Math.floor(Date.parse(linkExpiresAt) / 1000) + 86_400,
              },
            },
          })),
        },
      }),
    );
  }
  return tokens;
}

/** The operator's ticketing system on the loopback: it takes every case (2xx) and counts them. */
export interface CaseReceiver {
  url: string;
  /** Distinct webhook ids received. */
  received(): number;
  stop(): Promise<void>;
}

/** Starts a receiver for the bench sandbox's follow-up endpoint (SANDBOX_FOLLOW_UP_URL's role). */
export async function startCaseReceiver(): Promise<CaseReceiver> {
  const ids = new Set<string>();
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      ids.add(String(request.headers['webhook-id']));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cases`,
    received: () => ids.size,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let invited = 0;

/**
 * Web invitations and their page views, made before the clock starts; then `answers`
 * (CSAT, NPS per link) two at a time, until every one is counted and `delivered` cases
 * have reached the receiver: the cost of answering, cases included.
 */
async function webAnswersCost(
  sandbox: Sandbox,
  documents: DynamoDBDocumentClient,
  receiver: CaseReceiver,
  answers: [csat: number, nps: number][],
  expected: number,
) {
  const links: string[] = [];
  const first = invited;
  invited += answers.length;
  await inParallel([...answers.keys()], 10, async (n) => {
    const { surveyUrl } = await invite(sandbox, 'web', phoneOf(50_000 + first + n));
    await (await fetch(surveyUrl)).arrayBuffer();
    links.push(surveyUrl);
  });
  const cases = answers.filter(([csat, nps]) => csat <= 2 || nps <= 6).length;
  const receivedBefore = receiver.received();
  const before = snapshot(sandbox);
  let next = 0;
  await inParallel(links, 2, async (url) => {
    const [csat, nps] = answers[next++] ?? [5, 10];
    await answer(url, csat, nps);
  });
  const counted = expected + answers.length;
  await until(async () => (await countedResponses(sandbox, documents)) >= counted, 60);
  await until(async () => receiver.received() - receivedBefore >= cases, 60);
  // The delivery function records the attempt after the receiver's answer.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = snapshot(sandbox);
  return { cost: costBetween(before, after), links, cases, before, after };
}

/** Complaints whose states hold all `events` of theirs, read from moto directly (not counted). */
async function settledComplaints(
  sandbox: Sandbox,
  documents: DynamoDBDocumentClient,
  ids: readonly string[],
  events: number,
) {
  const TableName = sandbox.app.host('ComplaintProcessor').fn.environment.COMPLAINTS_TABLE_NAME;
  let settled = 0;
  for (let start = 0; start < ids.length; start += 100) {
    const { Responses } = await documents.send(
      new BatchGetCommand({
        RequestItems: {
          [TableName ?? '']: {
            Keys: ids.slice(start, start + 100).map((id) => ({
              pk: complaintKeys.pk('crm', id),
              sk: complaintKeys.stateSk,
            })),
          },
        },
      }),
    );
    settled += (Responses?.[TableName ?? ''] ?? []).filter(
      (item) => Number(item.eventCount) >= events,
    ).length;
  }
  return settled;
}

/**
 * The cost of a complaint event (docs/capacity.md): `complaints` complaints, each created
 * and then resolved by the operator's system through the signed webhook, two requests at a
 * time, until every state holds both events. Per event: the webhook, the intake, its queue
 * message, the processor's read and transaction, and whatever the stored change sets off.
 */
async function complaintEventsCost(
  sandbox: Sandbox,
  documents: DynamoDBDocumentClient,
  complaints: number,
) {
  const run = randomUUID().slice(0, 8);
  const secret = sandbox.outputs.secrets.complaintSources.crm ?? '';
  const ids = Array.from({ length: complaints }, (_, n) => `BENCH-${run}-${n}`);
  const events = ids.flatMap((complaintId, n) =>
    (['created', 'resolved'] as const).map((type) => ({
      eventId: `${complaintId}-${type}`,
      complaintId,
      type,
      occurredAt: new Date(Date.now() - (type === 'created' ? 7_200_000 : 60_000)).toISOString(),
      kind: n % 4 === 0 ? 'fault' : 'complaint',
      category: n % 4 === 0 ? 'fault_repair' : 'billing',
      region: 'BJ',
      service: n % 4 === 0 ? 'fixed_broadband' : 'mobile_data',
      via: 'direct',
      ...(type === 'resolved' ? { outcome: 'upheld' } : {}),
    })),
  );
  const before = snapshot(sandbox);
  // Created events first, then resolved ones: two complaints' events never race.
  for (const type of ['created', 'resolved']) {
    await inParallel(
      events.filter((event) => event.type === type),
      2,
      async (event) => {
        const body = Buffer.from(JSON.stringify(event));
        const response = await fetch(`${sandbox.outputs.apiUrl}/webhooks/complaints/crm`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-signature': signatureHeader(secret, Math.floor(Date.now() / 1000), body),
          },
          body,
        });
        if (response.status !== 202) {
          throw new Error(
            `complaint webhook answered ${response.status}: ${await response.text()}`,
          );
        }
      },
    );
    await until(
      async () =>
        (await settledComplaints(sandbox, documents, ids, type === 'created' ? 1 : 2)) >=
        complaints,
      60,
    );
  }
  // What the stored changes set off downstream finishes after the state is written.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const after = snapshot(sandbox);
  return { cost: costBetween(before, after), events: events.length, before, after };
}

/** Runs the survey benches; answers printable lines and whether the budgets were met. */
export async function benchSurveys(
  sandbox: Sandbox,
  receiver: CaseReceiver,
  { ingest: measureIngest = true } = {},
): Promise<{ lines: string[]; met: boolean; units: MeasuredUnits }> {
  sandbox.app.host('InvitationIntake').fn.environment.QUIET_HOURS = '00:00-00:00';
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    }),
  );
  const lines: string[] = [];
  let met = true;
  let expected = 0;
  try {
    // Cost, web: the invitation and the page view, then the answer and its counting.
    const webCount = 100;
    const storedBeforeWeb = await storedItems(sandbox);
    const beforeWeb = snapshot(sandbox);
    // One answer in ten needs a follow-up (CSAT 2, NPS 3: docs/design.md §10) and opens a
    // case, delivered to the receiver; the budget is judged at that mix. Two at a time:
    // this part counts requests; the ingest below measures throughput. (Under load, moto's
    // queue would be billed as Lambda duration that no AWS service would add.)
    const mixed = await webAnswersCost(
      sandbox,
      documents,
      receiver,
      Array.from({ length: webCount }, (_, n) =>
        n % 10 === 0 ? [2, 3] : [4 + (n % 2), 7 + (n % 4)],
      ),
      expected,
    );
    expected += webCount;
    const webLinks = mixed.links;
    // The browser then follows the answer's 303 to the thank-you page: part of the survey.
    await inParallel(webLinks, 10, async (url) => {
      await (await fetch(`${url}?submitted=1`)).arrayBuffer();
    });
    const afterThanks = snapshot(sandbox);
    const storedAfterWeb = await storedItems(sandbox);
    // The same answers with no case, and answers that all open one: the difference per
    // answer is the cost of a delivered case.
    const noCase = await webAnswersCost(
      sandbox,
      documents,
      receiver,
      Array.from({ length: webCount }, (_, n) => [4 + (n % 2), 7 + (n % 4)]),
      expected,
    );
    expected += webCount;
    const caseCount = 30;
    const allCases = await webAnswersCost(
      sandbox,
      documents,
      receiver,
      Array.from({ length: caseCount }, () => [2, 3]),
      expected,
    );
    expected += caseCount;

    // Cost, SMS: the invitation and its SMS, then three replies and the counting.
    // Enough conversations that cold starts and secret fetches are amortised as in steady use.
    const smsCount = 50;
    const storedBeforeSms = await storedItems(sandbox);
    const beforeSms = snapshot(sandbox);
    // SNS Publish, whichever protocol the client speaks (query or JSON).
    const published = () =>
      [...sandbox.app.proxy.counts]
        .filter(([operation]) => /\bPublish$/.test(operation))
        .reduce((sum, [, { calls }]) => sum + calls, 0);
    const publishedBefore = published();
    const phones = [...Array(smsCount).keys()].map((n) => phoneOf(10_000 + n));
    await inParallel(phones, 5, (phone) => invite(sandbox, 'sms', phone));
    // Every SMS sent and its conversation opened before the first reply.
    await until(async () => published() - publishedBefore >= smsCount, 60);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const beforeSmsAnswers = snapshot(sandbox);
    // Two conversations at a time, as for the web answers above.
    await inParallel(phones, 2, async (phone) => {
      for (const text of ['5', '9', '无']) await sms(sandbox, phone, text);
    });
    expected += smsCount;
    await until(async () => (await countedResponses(sandbox, documents)) >= expected, 60);
    const afterSms = snapshot(sandbox);
    const storedAfterSms = await storedItems(sandbox);

    const columns = {
      'web answer': mixed.cost,
      'web survey': costBetween(beforeWeb, afterThanks),
      'SMS answer': costBetween(beforeSmsAnswers, afterSms),
      'SMS survey': costBetween(beforeSms, afterSms),
    };
    const per = {
      'web answer': webCount,
      'web survey': webCount,
      'SMS answer': smsCount,
      'SMS survey': smsCount,
    };
    const perMillion = (name: keyof typeof columns, item: string) =>
      (columns[name][item as keyof (typeof columns)[typeof name]] ?? 0) * (1e6 / per[name]);
    const total = (name: keyof typeof columns) =>
      Object.keys(columns[name]).reduce((sum, item) => sum + perMillion(name, item), 0);
    const names = Object.keys(columns) as (keyof typeof columns)[];
    lines.push(
      'AWS cost per million survey responses (us-east-1 list prices; SMS carrier fees excluded).',
      '"answer": from the submitted answer to its count in the aggregates; "survey": also the',
      'invitation, the page view and the thank-you page (web) or the outbound SMS (SMS).',
      `X-Ray: ${X_RAY_SAMPLED * 100} % of the invocations of actively traced functions that start a trace. $ per million responses:`,
      `  ${''.padEnd(24)}${names.map((name) => name.padStart(12)).join('')}`,
    );
    for (const item of Object.keys(columns['web answer'])) {
      lines.push(
        `  ${item.padEnd(24)}${names.map((name) => perMillion(name, item).toFixed(3).padStart(12)).join('')}`,
      );
    }
    lines.push(
      `  ${'total'.padEnd(24)}${names.map((name) => total(name).toFixed(2).padStart(12)).join('')}`,
    );
    // docs/design.md §9: a web answer that opens no case ≤ $2.50 a million (judged below,
    // with the case's own budget); an inbound SMS ≤ $3.00 a million messages, and an SMS
    // answer is three of them (CSAT, NPS, comment).
    const webAnswer = total('web answer');
    const smsMessage = total('SMS answer') / SMS_MESSAGES_PER_ANSWER;
    met &&= smsMessage <= 3;
    lines.push(
      `  budget, on the answer path: SMS $${smsMessage.toFixed(2)} per inbound message, ≤ $3.00 ${smsMessage <= 3 ? 'ok' : 'OVER'} (${SMS_MESSAGES_PER_ANSWER} messages per response, each an API request and a Lambda invocation); web: below, without and with cases`,
    );
    const cases = caseCostLines(noCase.cost, webCount, allCases.cost, caseCount, webAnswer);
    met &&= cases.met;
    lines.push(...cases.lines);
    lines.push(
      ...edgeCostLines({
        web: { before: beforeWeb, after: afterThanks, answers: webCount },
        sms: { before: beforeSms, after: afterSms, answers: smsCount },
      }),
    );

    const storedBeforeEvents = await storedItems(sandbox);
    const complaintRun = await complaintEventsCost(sandbox, documents, 100);
    const storedAfterEvents = await storedItems(sandbox);
    const perEvent = (item: string) =>
      (complaintRun.cost[item as keyof Cost] ?? 0) * (1e6 / complaintRun.events);
    const eventItems = Object.keys(complaintRun.cost).filter((item) => perEvent(item) >= 0.0005);
    lines.push(
      `AWS cost per million complaint events (${complaintRun.events} events: ${complaintRun.events / 2} complaints and faults, each created and resolved through the signed webhook; a complaint's whole life is about 2 to 4 events): $${Object.keys(
        complaintRun.cost,
      )
        .reduce((sum, item) => sum + perEvent(item), 0)
        .toFixed(2)}`,
      `  ${eventItems.map((item) => `${item} ${perEvent(item).toFixed(3)}`).join(', ')}`,
    );

    if (measureIngest) {
      const ingest = await benchIngest(sandbox, documents);
      met &&= ingest.met;
      lines.push(ingest.line);
    }
    const flow = (
      before: Usage,
      after: Usage,
      stored: [Stored, Stored] | undefined,
      measured: number,
    ) =>
      flowUnits(
        sandbox,
        { usage: before, stored: stored?.[0] ?? new Map() },
        { usage: after, stored: stored?.[1] ?? new Map() },
        measured,
        costBetween(before, after),
      );
    const units: MeasuredUnits = {
      webSurvey: flow(beforeWeb, afterThanks, [storedBeforeWeb, storedAfterWeb], webCount),
      webAnswer: flow(mixed.before, mixed.after, undefined, webCount),
      smsSurvey: flow(beforeSms, afterSms, [storedBeforeSms, storedAfterSms], smsCount),
      smsAnswer: flow(beforeSmsAnswers, afterSms, undefined, smsCount),
      complaintEvent: flow(
        complaintRun.before,
        complaintRun.after,
        [storedBeforeEvents, storedAfterEvents],
        complaintRun.events,
      ),
    };
    return { lines, met, units };
  } finally {
    documents.destroy();
  }
}

type Cost = ReturnType<typeof costBetween>;

/**
 * What the optional edge adds per million answers (docs/design.md §9): the requests of the
 * survey flow that reach the edge's routes (counted in the run, not assumed), priced at
 * CloudFront's and WAF's list prices, and WAF's monthly fees spread over a stated volume.
 */
function edgeCostLines(
  flows: Record<'web' | 'sms', { before: Usage; after: Usage; answers: number }>,
): string[] {
  const monthly = EDGE_PRICES.wafWebAclPerMonth + EDGE_WAF_RULES * EDGE_PRICES.wafRulePerMonth;
  const fixed = monthly / (EDGE_ANSWERS_PER_MONTH / 1e6);
  const lines = [
    `The optional edge (CloudFront + AWS WAF, -c edge=true), per million answers; WAF's $${monthly.toFixed(2)} a month (web ACL $${EDGE_PRICES.wafWebAclPerMonth.toFixed(2)} + ${EDGE_WAF_RULES} rules × $${EDGE_PRICES.wafRulePerMonth.toFixed(2)}) spread over ${EDGE_ANSWERS_PER_MONTH.toLocaleString('en')} answers a month:`,
  ];
  for (const [name, { before, after, answers }] of Object.entries(flows)) {
    const per = (key: 'requests' | 'bytesIn' | 'bytesOut') =>
      (after.edge[key] - before.edge[key]) / answers;
    const requests = per('requests');
    const items = {
      'CloudFront requests': requests * EDGE_PRICES.cloudFrontPerMillionHttpsRequests,
      'to viewers': (per('bytesOut') * 1e6 * EDGE_PRICES.cloudFrontTransferToViewersPerGb) / 1e9,
      'to the API': (per('bytesIn') * 1e6 * EDGE_PRICES.cloudFrontTransferToOriginPerGb) / 1e9,
      'WAF requests': requests * EDGE_PRICES.wafPerMillionRequests,
      'WAF monthly': fixed,
    };
    const added = Object.values(items).reduce((sum, value) => sum + value, 0);
    const saved = (per('bytesOut') * 1e6 * PRICES.dataTransferOutPerGb) / 1e9;
    lines.push(
      `  ${`${name} survey`.padEnd(11)}${requests.toFixed(1)} requests an answer through the edge; ${Object.entries(
        items,
      )
        .map(([item, value]) => `${item} $${value.toFixed(3)}`)
        .join(
          ', ',
        )}: +$${added.toFixed(2)}, less the API's own transfer out that CloudFront takes over ($${saved.toFixed(3)})`,
    );
  }
  return lines;
}

/**
 * The cost of a delivered follow-up case (docs/design.md §9, §10): per answer that opens
 * one, less per answer that opens none, item by item, per million cases; and the web
 * answer without cases beside the one at one answer in ten, with the arithmetic of the
 * floor that made issue 14's "+$0.05 at one in ten" a budget per case instead.
 */
function caseCostLines(
  noCase: Cost,
  noCaseAnswers: number,
  withCase: Cost,
  caseAnswers: number,
  webAnswerMixed: number,
): { lines: string[]; met: boolean } {
  const items = Object.keys(noCase) as (keyof Cost)[];
  const perCase = (item: keyof Cost) =>
    (withCase[item] / caseAnswers - noCase[item] / noCaseAnswers) * 1e6;
  // Writes the emulator proxy does not count: the case's one write to casesByAnsweredDay.
  const indexWrite = PRICES.dynamoDbPerMillionWriteUnits;
  const caseTotal = items.reduce((sum, item) => sum + perCase(item), 0) + indexWrite;
  const webNoCase = (items.reduce((sum, item) => sum + noCase[item], 0) / noCaseAnswers) * 1e6;
  const share = 0.1;
  const margin = webAnswerMixed - webNoCase;
  const floor = share * PRICES.dynamoDbPerMillionWriteUnits;
  const webMet = webNoCase <= WEB_ANSWER_BUDGET;
  const caseMet = caseTotal <= CASE_BUDGET;
  return {
    met: webMet && caseMet,
    lines: [
      `Follow-up case, opened and delivered once (an answer opening one less an answer opening none; ${caseAnswers} and ${noCaseAnswers} answers). $ per million cases:`,
      ...items
        .filter((item) => Math.abs(perCase(item)) >= 0.0005)
        .map((item) => `  ${item.padEnd(24)}${perCase(item).toFixed(3).padStart(12)}`),
      `  ${'index write (uncounted)'.padEnd(24)}${indexWrite.toFixed(3).padStart(12)}  (the case's casesByAnsweredDay entry, 1 WCU: the proxy counts no index writes)`,
      `  ${'total'.padEnd(24)}${caseTotal.toFixed(2).padStart(12)}  budget ≤ $${CASE_BUDGET.toFixed(2)} per million cases ${caseMet ? 'ok' : 'OVER'}`,
      `Web answer: $${webNoCase.toFixed(2)} per million with no case, budget ≤ $${WEB_ANSWER_BUDGET.toFixed(2)} ${webMet ? 'ok' : 'OVER'}; $${webAnswerMixed.toFixed(2)} measured with one answer in ten opening a delivered case (+$${margin.toFixed(2)}; in steady use $${webNoCase.toFixed(2)} + ${share} × $${caseTotal.toFixed(2)} = $${(webNoCase + share * caseTotal).toFixed(2)}).`,
      `  Why a budget per case and not "+$0.05 at one in ten" (issue 14): the case's own write alone is ${share} × 1 WCU × $${PRICES.dynamoDbPerMillionWriteUnits} = $${floor.toFixed(4)} per million answers; a case also needs its function's invocation, its index entry, its delivery's queue message, invocation, read and attempt record (docs/design.md §9).`,
    ],
  };
}

/** docs/design.md §9: a web answer that opens no case, and a delivered case, per million. */
const WEB_ANSWER_BUDGET = 2.5;
const CASE_BUDGET = 6;

/** An SMS survey's inbound messages: the CSAT, the NPS and the comment. */
const SMS_MESSAGES_PER_ANSWER = 3;
const INGEST_ROUNDS = 3;
const INGEST_ANSWERS = 500;

const median = (values: number[]) => nearestRank(values, 0.5) ?? Number.NaN;

/**
 * One round of the ingest bench: answers to links that already exist, as fast as they
 * come, until every one is counted; then the counts are checked exactly.
 */
async function ingestRound(sandbox: Sandbox, documents: DynamoDBDocumentClient) {
  const expected = await countedResponses(sandbox, documents);
  const links = (await directLinks(sandbox, documents, INGEST_ANSWERS)).map(
    (token) => `${sandbox.outputs.apiUrl}/s/${token}`,
  );
  const started = performance.now();
  let accepted = 0;
  await inParallel(links, 50, async (url) => {
    if ((await answer(url, 5, 10)).status === 303) accepted += 1;
  });
  const target = expected + INGEST_ANSWERS;
  const complete = await until(
    async () => (await countedResponses(sandbox, documents)) >= target,
    300,
  );
  const seconds = (performance.now() - started) / 1000;
  const counted = (await countedResponses(sandbox, documents)) - expected;
  return { rate: INGEST_ANSWERS / seconds, accepted, counted, complete };
}

/**
 * Sandbox ingest, in rounds (the machine's load varies from second to second): the median
 * rate and the range, and whether every round's counts were exact. Beside it, what the
 * emulator alone allows, measured as many times.
 */
export async function benchIngest(
  sandbox: Sandbox,
  documents: DynamoDBDocumentClient,
): Promise<{ line: string; met: boolean }> {
  const rounds: Awaited<ReturnType<typeof ingestRound>>[] = [];
  for (let round = 0; round < INGEST_ROUNDS; round += 1) {
    rounds.push(await ingestRound(sandbox, documents));
  }
  const ceilings: (number | undefined)[] = [];
  for (let round = 0; round < INGEST_ROUNDS; round += 1) {
    ceilings.push(await emulatorCeiling(sandbox, documents, INGEST_ANSWERS));
  }
  const rates = rounds.map((round) => round.rate);
  const rate = median(rates);
  const accepted = rounds.reduce((sum, round) => sum + round.accepted, 0);
  const counted = rounds.reduce((sum, round) => sum + round.counted, 0);
  const exact = rounds.every(
    (round) =>
      round.complete && round.accepted === INGEST_ANSWERS && round.counted === INGEST_ANSWERS,
  );
  const range = (values: number[]) =>
    `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
  const measured = ceilings.filter((ceiling): ceiling is number => ceiling !== undefined);
  // docs/design.md §9: at least half of what the emulator alone takes, in the same run.
  const floor = measured.length === ceilings.length ? median(measured) / 2 : Number.NaN;
  const fast = rate >= floor;
  return {
    met: exact && fast,
    line: [
      `Sandbox ingest: ${INGEST_ROUNDS} rounds of ${INGEST_ANSWERS} web answers, median ${rate.toFixed(0)} responses/s end to end (${range(rates)}; budget ≥ 0.5 × the emulator alone = ${floor.toFixed(0)} ${fast ? 'ok' : 'OVER'}); accepted ${accepted}, counted ${counted}: ${exact ? 'none lost, none counted twice' : 'COUNTS DIFFER'}`,
      `  the emulator alone: ${measured.length < ceilings.length ? 'NOT ALL RECORDED' : `median ${median(measured).toFixed(0)} answer writes/s (${range(measured)})`} (the survey page's one conditional UpdateItem per answer, straight to moto, 50 at a time, nothing else running)`,
    ].join('\n'),
  };
}

/**
 * What the emulator itself allows: the web answer's single conditional write (the floor of
 * any answer path: single use is enforced atomically), made by the survey page's own link
 * store straight to moto as fast as it takes them, on a table of its own with no stream
 * and no function behind it. Answers the rate, or undefined unless every one was recorded.
 */
async function emulatorCeiling(
  sandbox: Sandbox,
  documents: DynamoDBDocumentClient,
  count: number,
): Promise<number | undefined> {
  const tableName = `bench-ceiling-${randomUUID()}`;
  const keys = [
    { name: 'pk', type: 'HASH' as const },
    { name: 'sk', type: 'RANGE' as const },
  ];
  await documents.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keys.map(({ name, type }) => ({ AttributeName: name, KeyType: type })),
      AttributeDefinitions: keys.map(({ name }) => ({ AttributeName: name, AttributeType: 'S' })),
    }),
  );
  const client = new DynamoDBClient({
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  });
  try {
    const links = dynamoDbSurveyLinkStore({ client, tableName, retentionDays: 400 });
    const tokens = await directLinks(sandbox, documents, count, tableName);
    const at = new Date();
    let recorded = 0;
    const started = performance.now();
    await inParallel(tokens, 50, async (token) => {
      const outcome = await links.answer(hashSurveyToken(token), { csat: 5, nps: 10 }, at);
      if ('recorded' in outcome) recorded += 1;
    });
    const seconds = (performance.now() - started) / 1000;
    return recorded === count ? count / seconds : undefined;
  } finally {
    client.destroy();
    await documents.send(new DeleteTableCommand({ TableName: tableName }));
  }
}
