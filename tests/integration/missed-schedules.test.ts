import { randomUUID } from 'node:crypto';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { scheduleFiringFor } from '#shared/domain/report-schedule.ts';
import { lastCompletePeriod } from '#shared/indicators/periods.ts';
import { startTestSandbox } from '../support/sandbox.ts';

let sandbox: Sandbox;
let sqs: SQSClient;
let alarmQueueUrl: string;
const printed: string[] = [];

/** What the alarm topic was told, in order, as a subscriber reads it. */
const alarms: { Subject?: string; NewStateValue: string; profile: string; period: string }[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox({ print: (line) => printed.push(line) });
  // The test's clock alone fires the schedules: the wall clock's hour would add a check.
  sandbox.schedules.stop();
  const direct = {
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
    credentials: emulatorCredentials,
  };
  // An on-call engineer's subscription to the alarm topic: a queue of our own.
  sqs = new SQSClient(direct);
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `alarm-reader-${randomUUID().slice(0, 8)}` }),
  );
  alarmQueueUrl = QueueUrl ?? '';
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: alarmQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const sns = new SNSClient(direct);
  await sns.send(
    new SubscribeCommand({
      TopicArn: sandbox.app.host('MissedSchedules').fn.environment.ALARM_TOPIC_ARN,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
    }),
  );
  sns.destroy();
});

afterAll(async () => {
  await sqs?.send(new DeleteQueueCommand({ QueueUrl: alarmQueueUrl }));
  sqs?.destroy();
  await sandbox?.stop();
});

/** Reads what reached the alarm topic since the last read. */
async function readAlarms() {
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: alarmQueueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) return alarms;
    for (const message of Messages) {
      const envelope = JSON.parse(message.Body ?? '{}') as { Subject?: string; Message: string };
      alarms.push({ Subject: envelope.Subject, ...JSON.parse(envelope.Message) });
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: alarmQueueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
}

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${sandbox.outputs.apiUrl}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${sandbox.outputs.users.admins?.idToken}`,
      'content-type': 'application/json',
    },
  });

/** How many checks have run (each logs its outcome). */
const checks = () => printed.filter((line) => line.includes('missed schedules checked')).length;

describe('the missed-schedule alarm', () => {
  it('fires when a scheduled report fails to appear, and clears once it is published', async () => {
    // Prepare: the monthly schedules' last firing, as "previous" resolves it now; the alarms
    // for every earlier period (none has a report here) raised by a check before it.
    const period = lastCompletePeriod('month', new Date(), 'Asia/Shanghai');
    const firedAt = scheduleFiringFor(period);
    const hours = Number(sandbox.app.host('MissedSchedules').fn.environment.MISSED_SCHEDULE_HOURS);
    const hour = (offset: number) => new Date(firedAt.getTime() + offset * 3_600_000);
    expect(hours).toBe(6);
    await sandbox.schedules.tick(hour(-1));
    await vi.waitFor(() => expect(checks()).toBe(1), { timeout: 20_000, interval: 250 });
    const earlier = (await readAlarms()).length;
    expect(earlier).toBeGreaterThan(0);
    expect(alarms.filter((alarm) => alarm.period === period.id)).toEqual([]);

    // Act 1: the schedules fire while every DynamoDB write is refused: each run fails.
    sandbox.app.proxy.faults = { everyNth: 1 };
    const fired = await sandbox.schedules.tick(firedAt);
    const monthly = fired
      .map((schedule) => JSON.parse(schedule.input).profile as string | undefined)
      .filter((profile) => profile !== undefined)
      .sort();
    await vi.waitFor(
      () =>
        expect(printed.filter((line) => line.includes('report run failed'))).toHaveLength(
          monthly.length,
        ),
      { timeout: 60_000, interval: 250 },
    );
    await vi.waitFor(() => expect(checks()).toBe(2), { timeout: 20_000, interval: 250 });
    sandbox.app.proxy.faults = undefined;
    // An hour short of the limit, the check says nothing.
    await sandbox.schedules.tick(hour(hours - 1));
    await vi.waitFor(() => expect(checks()).toBe(3), { timeout: 20_000, interval: 250 });
    expect(await readAlarms()).toHaveLength(earlier);
    // At the limit, the check alarms.
    await sandbox.schedules.tick(hour(hours));
    await vi.waitFor(() => expect(checks()).toBe(4), { timeout: 20_000, interval: 250 });

    // Assess 1: one alarm per monthly profile, naming it and the period.
    const raised = (await readAlarms()).slice(earlier);
    expect(monthly).toEqual(['acme-board', 'baseline']);
    expect(raised.map((alarm) => alarm.profile).sort()).toEqual(monthly);
    const baseline = raised.find((alarm) => alarm.profile === 'baseline');
    expect(baseline).toMatchObject({
      Subject: `ALARM: scheduled report baseline ${period.id}`,
      AlarmName: 'MissedScheduledReport',
      NewStateValue: 'ALARM',
      period: period.id,
      scheduleFiredAt: firedAt.toISOString(),
    });
    expect(JSON.stringify(baseline)).toContain(
      `The baseline report for ${period.id} was not published within 6 hours`,
    );

    // Act 2: an admin runs the report again; it is published; the next check.
    const run = await admin('/reports/runs', {
      method: 'POST',
      body: JSON.stringify({ profile: 'baseline', period: period.id }),
    });
    expect(run.status).toBe(202);
    await vi.waitFor(
      async () => {
        const listed = (await (
          await admin(`/reports?profile=baseline&period=${period.id}`)
        ).json()) as { reports: unknown[] };
        expect(listed.reports).toHaveLength(1);
      },
      { timeout: 180_000, interval: 500 },
    );
    await sandbox.schedules.tick(hour(hours + 1));
    await vi.waitFor(() => expect(checks()).toBe(5), { timeout: 20_000, interval: 250 });

    // Assess 2: the baseline alarm clears, once; the others stand and are not told again.
    const total = earlier + monthly.length + 1;
    expect(await readAlarms()).toHaveLength(total);
    expect(alarms.at(-1)).toMatchObject({
      Subject: `OK: scheduled report baseline ${period.id}`,
      NewStateValue: 'OK',
      profile: 'baseline',
      period: period.id,
    });
    await sandbox.schedules.tick(hour(hours + 2));
    await vi.waitFor(() => expect(checks()).toBe(6), { timeout: 20_000, interval: 250 });
    expect(await readAlarms()).toHaveLength(total);
  }, 420_000);
});
