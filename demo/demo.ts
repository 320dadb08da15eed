/**
 * `npm run demo`: realistic complaint and fault traffic over HTTP against the running
 * sandbox (or one it starts): lifecycles across regions and services, duplicates,
 * out-of-order deliveries and one poison message; then what landed, checked against what
 * was sent; surveys, follow-up cases at a local receiver, and the month's report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { freePort } from '#sandbox/emulator/moto.ts';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { otpauthUri } from '#sandbox/login/totp.ts';
import {
  type Sandbox,
  type SandboxOutputs,
  type SandboxState,
  startSandbox,
} from '#sandbox/sandbox.ts';
import { CATEGORIES, type ComplaintEvent, SERVICES } from '#shared/domain/complaint-event.ts';
import { type ComplaintState, foldComplaintEvents } from '#shared/domain/complaint-lifecycle.ts';
import { signatureHeader } from '#shared/http/signature.ts';
import { complaintKeys } from '#shared/tables/complaints.ts';
import { demoFollowUp, type FollowUpReceiver, startFollowUpReceiver } from './follow-up.ts';
import { demoReport } from './report.ts';
import { demoSurveys } from './surveys.ts';

const REGIONS = ['GD-SZ', 'GD-GZ', 'BJ', 'SH', 'ZJ-HZ', 'SC-CD'];
const HOUR = 3_600_000;
const run = Date.now().toString(36);

/** A small seeded generator, so every demo sends the same shape of traffic. */
function seeded(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick };
}

interface Planned {
  source: 'crm' | 'field-repair';
  event: ComplaintEvent;
}

/** Complaint and fault lifecycles of the last 30 days, as operator systems report them. */
function planTraffic(): Planned[] {
  const random = seeded(20261125);
  const start = Date.now() - 30 * 24 * HOUR;
  const planned: Planned[] = [];
  let eventNumber = 0;
  const lifecycle = (kind: 'complaint' | 'fault', index: number) => {
    const complaintId = `${kind === 'fault' ? 'FLT' : 'CMP'}-${run}-${String(index).padStart(3, '0')}`;
    const base = {
      complaintId,
      kind,
      category:
        kind === 'fault'
          ? ('fault_repair' as const)
          : random.pick(CATEGORIES.filter((c) => c !== 'fault_repair')),
      region: random.pick(REGIONS),
      service:
        kind === 'fault'
          ? random.pick(['fixed_broadband', 'fixed_voice', 'iptv'] as const)
          : random.pick(SERVICES),
      via: random.next() < 0.2 ? ('regulator' as const) : ('direct' as const),
      customerRef: `cust-${run}-${Math.floor(random.next() * 10_000)}`,
    };
    const source = kind === 'fault' ? 'field-repair' : 'crm';
    let at = start + random.next() * 25 * 24 * HOUR;
    const add = (type: ComplaintEvent['type'], extra: Partial<ComplaintEvent> = {}) => {
      // What has not happened yet is not sent: the intake refuses future times.
      if (at > Date.now()) return;
      eventNumber += 1;
      planned.push({
        source,
        event: {
          ...base,
          eventId: `${source}-${run}-${eventNumber}`,
          type,
          occurredAt: new Date(at).toISOString(),
          ...extra,
        },
      });
    };
    add('created');
    at += (0.5 + random.next() * 4) * HOUR;
    add('acknowledged');
    if (random.next() < 0.15) {
      at += random.next() * 48 * HOUR;
      add('escalated');
    }
    if (random.next() < 0.85) {
      at += (kind === 'fault' ? 2 + random.next() * 60 : 24 + random.next() * 20 * 24) * HOUR;
      add('resolved', { outcome: random.pick(['upheld', 'rejected', 'withdrawn'] as const) });
      if (random.next() < 0.15) {
        at += random.next() * 72 * HOUR;
        add('reopened');
        at += random.next() * 96 * HOUR;
        add('resolved', { outcome: 'upheld' });
      }
      if (random.next() < 0.5) {
        at += random.next() * 72 * HOUR;
        add('closed');
      }
    }
  };
  for (let index = 1; index <= 40; index += 1) lifecycle('complaint', index);
  for (let index = 1; index <= 15; index += 1) lifecycle('fault', index);
  return planned;
}

/** Shuffles deliveries (out of order) and repeats some of them (duplicates). */
function deliveries(planned: Planned[]) {
  const random = seeded(7);
  const duplicates = planned.filter(() => random.next() < 0.1);
  const all = [...planned, ...duplicates];
  for (let index = all.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random.next() * (index + 1));
    [all[index], all[other]] = [all[other] as Planned, all[index] as Planned];
  }
  return { all, duplicates: duplicates.length };
}

async function post(outputs: SandboxOutputs, source: string, events: ComplaintEvent[]) {
  const body = Buffer.from(JSON.stringify(events.length === 1 ? events[0] : { events }));
  const secret = outputs.secrets.complaintSources[source] ?? '';
  const response = await fetch(`${outputs.apiUrl}/webhooks/complaints/${source}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signatureHeader(secret, Math.floor(Date.now() / 1000), body),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as { accepted?: number } };
}

async function sandboxOrStart(directory: string): Promise<{
  outputs: SandboxOutputs;
  state: SandboxState;
  own?: Sandbox;
  receiver?: FollowUpReceiver;
}> {
  const outputsFile = join(directory, 'outputs.json');
  if (existsSync(outputsFile)) {
    const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as SandboxOutputs;
    const state = JSON.parse(readFileSync(join(directory, 'state.json'), 'utf8')) as SandboxState;
    const alive = await fetch(`${outputs.apiUrl}/`).then(
      () => true,
      () => false,
    );
    if (alive) {
      console.log(`Using the running sandbox at ${outputs.apiUrl}.`);
      // Started with SANDBOX_FOLLOW_UP_URL: the demo is the receiver at that address.
      if (!outputs.followUpReceiver) return { outputs, state };
      const receiver = await startFollowUpReceiver(
        Number(new URL(outputs.followUpReceiver.url).port),
      );
      receiver.secret = outputs.followUpReceiver.secret;
      return { outputs, state, receiver };
    }
  }
  const port = process.env.SANDBOX_PORT ? Number(process.env.SANDBOX_PORT) : await freePort();
  console.log(
    `No sandbox is running: starting one on port ${port} (failed messages retried after 1 s, no quiet hours).`,
  );
  const receiver = await startFollowUpReceiver();
  const own = await startSandbox({
    port,
    followUpReceiverUrl: receiver.url,
    directory,
    print: () => undefined,
    colour: false,
    retrySeconds: 1,
    ...(process.env.AWS_ENDPOINT_URL ? { endpoint: process.env.AWS_ENDPOINT_URL } : {}),
    // As npm start: an assembly already synthesized is used as it is.
    ...(process.env.SANDBOX_ASSEMBLY ? { assemblyDirectory: process.env.SANDBOX_ASSEMBLY } : {}),
  });
  // The demo's own sandbox sends SMS at any hour, so that the demo shows them day or night.
  own.app.host('InvitationIntake').fn.environment.QUIET_HOURS = '00:00-00:00';
  receiver.secret = own.outputs.followUpReceiver?.secret;
  const state = JSON.parse(readFileSync(join(directory, 'state.json'), 'utf8')) as SandboxState;
  return { outputs: own.outputs, state, own, receiver };
}

/** Where to read the report in a browser, and as whom (the sandbox's seeded people). */
function portalInvitation(outputs: SandboxOutputs, ownSandbox: boolean): string[] {
  const regulator = outputs.users.regulators;
  if (!outputs.portalUrl || !regulator) return [];
  if (ownSandbox) {
    return [
      `\nPortal: ${outputs.portalUrl} (this demo's sandbox stops now: run \`npm start\`, then \`npm run demo\` beside it, and the portal stays up).`,
      `  Sign in as ${regulator.username} with the password and TOTP key that \`npm start\` prints; admins@sandbox.local runs reports and invites people.`,
    ];
  }
  return [
    `\nPortal: ${outputs.portalUrl}`,
    `  Sign in as ${regulator.username} / ${regulator.password}, then the code of TOTP key ${regulator.totpKey.toUpperCase()} (${otpauthUri(regulator.totpKey, regulator.username)}),`,
    '  to read, download and check the report above; as admins@sandbox.local (its password and key in outputs.json) to run reports and invite people.',
  ];
}

async function main() {
  const directory = process.env.SANDBOX_DIR ?? '.sandbox';
  const { outputs, state, own, receiver } = await sandboxOrStart(directory);
  const clientConfig = {
    endpoint: outputs.endpoint,
    region: outputs.region,
    credentials: emulatorCredentials,
  };
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig));
  const sqs = new SQSClient(clientConfig);
  const processor = state.functions.find((fn) => fn.environment.COMPLAINTS_TABLE_NAME);
  const intake = state.functions.find((fn) => fn.environment.COMPLAINT_EVENTS_QUEUE_URL);
  const tableName = processor?.environment.COMPLAINTS_TABLE_NAME ?? '';
  const queueUrl = intake?.environment.COMPLAINT_EVENTS_QUEUE_URL ?? '';

  try {
    // Send: batches of up to 25 events per request and source, in shuffled order.
    const planned = planTraffic();
    const { all, duplicates } = deliveries(planned);
    let requests = 0;
    let accepted = 0;
    for (const source of ['crm', 'field-repair'] as const) {
      const mine = all
        .filter((delivery) => delivery.source === source)
        .map((delivery) => delivery.event);
      for (let start = 0; start < mine.length; start += 25) {
        const response = await post(outputs, source, mine.slice(start, start + 25));
        requests += 1;
        if (response.status !== 202) throw new Error(`the sandbox answered ${response.status}`);
        accepted += response.body.accepted ?? 0;
      }
    }
    const expected = new Map<string, ComplaintState>();
    // Each source's complaint ids are its own: the key holds the source.
    const sourceOf = new Map(planned.map((p) => [p.event.complaintId, p.source]));
    for (const id of new Set(planned.map((p) => p.event.complaintId))) {
      expected.set(
        id,
        foldComplaintEvents(planned.filter((p) => p.event.complaintId === id).map((p) => p.event)),
      );
    }
    console.log(
      `\nSent ${requests} signed requests: ${all.length} events (${planned.length} distinct, ${duplicates} duplicates), shuffled out of order, for ${expected.size} complaints and faults.`,
    );
    console.log(`The API accepted ${accepted} events.`);

    // Wait until every complaint's state holds all of its events.
    const landed = new Map<string, Record<string, unknown>>();
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const ids = [...expected.keys()];
      for (let start = 0; start < ids.length; start += 100) {
        const { Responses } = await documents.send(
          new BatchGetCommand({
            RequestItems: {
              [tableName]: {
                Keys: ids
                  .slice(start, start + 100)
                  .map((id) => ({ pk: complaintKeys.pk(sourceOf.get(id) ?? '', id), sk: 'STATE' })),
              },
            },
          }),
        );
        for (const item of Responses?.[tableName] ?? []) landed.set(String(item.complaintId), item);
      }
      const complete = [...expected].every(
        ([id, want]) => landed.get(id)?.eventCount === want.eventCount,
      );
      if (complete) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    const keys: (keyof ComplaintState)[] = [
      'status',
      'createdAt',
      'firstResolvedAt',
      'lastResolvedAt',
      'reopenedAt',
      'closedAt',
      'eventCount',
      'region',
      'service',
      'via',
    ];
    const matching = [...expected].filter(([id, want]) => {
      const got = landed.get(id);
      return got !== undefined && keys.every((key) => got[key] === want[key]);
    });
    const count = (predicate: (state: ComplaintState) => boolean) =>
      [...expected.values()].filter(predicate).length;
    console.log(`\nLanded in DynamoDB (${tableName}):`);
    console.log(`  complaints and faults stored  ${landed.size} of ${expected.size}`);
    console.log(
      `  exactly the expected state    ${matching.length} of ${expected.size} (status, lifecycle times, event count, dimensions)`,
    );
    console.log(
      `  events applied (no duplicate) ${[...landed.values()].reduce((sum, item) => sum + Number(item.eventCount), 0)} of ${planned.length}`,
    );
    console.log(
      `  open / resolved / closed      ${count((s) => s.status === 'open')} / ${count((s) => s.status === 'resolved')} / ${count((s) => s.status === 'closed')}`,
    );
    console.log(`  reopened after resolution     ${count((s) => s.reopenedAt !== undefined)}`);
    console.log(`  via the regulator             ${count((s) => s.via === 'regulator')}`);
    const byRegion = REGIONS.map((region) => `${region} ${count((s) => s.region === region)}`).join(
      ', ',
    );
    console.log(`  by region                     ${byRegion}`);

    // One poison message: a CRM fault event reusing one of CRM's own complaint ids (another
    // source's event with that id would be a complaint of that source's own).
    const victim = [...expected.values()].find((s) => s.kind === 'complaint');
    const poison: ComplaintEvent = {
      eventId: `crm-${run}-collision`,
      complaintId: victim?.complaintId ?? 'none',
      type: 'resolved',
      occurredAt: new Date().toISOString(),
      kind: 'fault',
      category: 'fault_repair',
      region: 'GD-SZ',
      service: 'fixed_broadband',
      via: 'direct',
    };
    const poisonResponse = await post(outputs, 'crm', [poison]);
    console.log(
      `\nPoison: a fault event reusing complaint id ${poison.complaintId} → ${poisonResponse.status} (valid on its own, so accepted).`,
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    const deadLetterName = String(JSON.parse(Attributes?.RedrivePolicy ?? '{}').deadLetterTargetArn)
      .split(':')
      .at(-1);
    const deadLetterUrl = queueUrl.replace(/[^/]+$/, deadLetterName ?? '');
    const dlqDeadline = Date.now() + (own ? 60_000 : 5_000);
    let inDeadLetter = 0;
    while (Date.now() < dlqDeadline) {
      const dlq = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: deadLetterUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      inDeadLetter = Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0);
      if (inDeadLetter > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const after = await documents.send(
      new BatchGetCommand({
        RequestItems: {
          [tableName]: { Keys: [{ pk: complaintKeys.pk('crm', poison.complaintId), sk: 'STATE' }] },
        },
      }),
    );
    const untouched =
      after.Responses?.[tableName]?.[0]?.eventCount ===
      expected.get(poison.complaintId)?.eventCount;
    console.log(
      inDeadLetter > 0
        ? `  never applied (the complaint is unchanged: ${untouched}); after 5 receives it is in the dead-letter queue (${inDeadLetter} message).`
        : `  never applied (the complaint is unchanged: ${untouched}); SQS retries it after the queue's visibility timeout and dead-letters it after 5 receives.`,
    );

    const surveysAgree = await demoSurveys(outputs, state);
    const casesAgree = await demoFollowUp(outputs, receiver);
    const reportVerifies = await demoReport(outputs, state, directory);
    const agree =
      accepted === all.length &&
      landed.size === expected.size &&
      matching.length === expected.size &&
      untouched &&
      surveysAgree &&
      casesAgree &&
      reportVerifies;
    console.log(`\n${agree ? 'Sent and landed agree.' : 'Sent and landed DISAGREE: see above.'}`);
    for (const line of portalInvitation(outputs, own !== undefined)) console.log(line);
    process.exitCode = agree ? 0 : 1;
  } finally {
    documents.destroy();
    sqs.destroy();
    await own?.stop();
    await receiver?.stop();
  }
}

await main();
