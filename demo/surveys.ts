/**
 * The survey half of `npm run demo`: invitations over HTTP, answered by web form and by
 * SMS (signed as the gateway signs), then the daily aggregates checked against what was
 * answered.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { SandboxOutputs, SandboxState } from '#sandbox/sandbox.ts';
import { dayInTimeZone } from '#shared/domain/zoned-time.ts';
import { signatureHeader } from '#shared/http/signature.ts';
import { twilioSignature } from '#shared/http/twilio-signature.ts';
import { aggregateKeys } from '#shared/tables/aggregates.ts';

const REGIONS = ['GD-SZ', 'BJ', 'SH'];
const TOUCHPOINTS = ['store', 'hotline', 'field_repair'] as const;
const run = Date.now().toString(36);

interface Answered {
  csat: number;
  nps: number;
  channel: 'web' | 'sms';
  region: string;
  touchpoint: string;
}

async function invite(outputs: SandboxOutputs, index: number, channel: 'web' | 'sms') {
  const body = Buffer.from(
    JSON.stringify({
      eventId: `demo-${run}-${channel}-${index}`,
      customerRef: `demo-${run}-${channel}-${index}`,
      phone: `+86138${String(10_000_000 + index * 7919 + (channel === 'sms' ? 1 : 0)).slice(-8)}`,
      locale: index % 3 === 0 ? 'en' : 'zh-CN',
      channel,
      touchpoint: TOUCHPOINTS[index % TOUCHPOINTS.length],
      region: REGIONS[index % REGIONS.length],
      service: 'mobile_data',
      occurredAt: new Date().toISOString(),
    }),
  );
  const secret = outputs.secrets.invitationSources.crm ?? '';
  const response = await fetch(`${outputs.apiUrl}/invitations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signatureHeader(secret, Math.floor(Date.now() / 1000), body),
    },
    body,
  });
  const json = (await response.json()) as {
    invitationId?: string;
    surveyUrl?: string;
    reason?: string;
  };
  return {
    ...json,
    httpStatus: response.status,
    phone: JSON.parse(body.toString()).phone as string,
  };
}

async function sms(outputs: SandboxOutputs, from: string, text: string, sid: string) {
  const url = `${outputs.apiUrl}/sms/inbound`;
  const params: [string, string][] = [
    ['MessageSid', sid],
    ['From', from],
    ['To', '+8610690000'],
    ['Body', text],
  ];
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(outputs.secrets.smsAuthToken, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  return response.status;
}

/** Runs the survey demo; answers whether what landed agrees with what was answered. */
export async function demoSurveys(outputs: SandboxOutputs, state: SandboxState): Promise<boolean> {
  const tableName =
    state.functions.find((fn) => fn.environment.SURVEYS_TABLE_NAME)?.environment
      .SURVEYS_TABLE_NAME ?? '';
  const aggregatesTable =
    state.functions.find((fn) => fn.environment.AGGREGATES_TABLE_NAME)?.environment
      .AGGREGATES_TABLE_NAME ?? '';
  const timeZone =
    state.functions.find((fn) => fn.environment.REPORTING_TIME_ZONE)?.environment
      .REPORTING_TIME_ZONE ?? 'Asia/Shanghai';
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: outputs.endpoint,
      region: outputs.region,
      credentials: emulatorCredentials,
    }),
  );
  const answered: Answered[] = [];
  try {
    // Web: 24 invitations, 18 answered through the form.
    let webInvited = 0;
    for (let index = 0; index < 24; index += 1) {
      const invitation = await invite(outputs, index, 'web');
      if (invitation.httpStatus !== 201 || !invitation.surveyUrl) continue;
      webInvited += 1;
      if (index % 4 === 3) continue;
      const csat = 1 + ((index * 7) % 5);
      const nps = (index * 3) % 11;
      const response = await fetch(invitation.surveyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csat: String(csat), nps: String(nps) }).toString(),
        redirect: 'manual',
      });
      if (response.status === 303) {
        answered.push({
          csat,
          nps,
          channel: 'web',
          region: REGIONS[index % 3] ?? '',
          touchpoint: TOUCHPOINTS[index % 3] ?? 'store',
        });
      }
    }
    console.log(
      `\nSurveys: ${webInvited} web invitations created; ${answered.length} answered through the survey page.`,
    );

    // SMS: 9 invitations, answered by SMS replies in the customers' own words.
    const replies = [
      ['５分', '10', '无'],
      ['4', '九', '营业员很耐心'],
      ['满意', '8', 'no'],
      ['三', '6', '信号一般'],
    ];
    let smsInvited = 0;
    let quiet = 0;
    let smsAnswered = 0;
    for (let index = 0; index < 9; index += 1) {
      const invitation = await invite(outputs, index, 'sms');
      if (invitation.httpStatus === 409 && invitation.reason === 'quiet_hours') {
        quiet += 1;
        continue;
      }
      if (invitation.httpStatus !== 201 || !invitation.invitationId) continue;
      smsInvited += 1;
      for (let wait = 0; wait < 100; wait += 1) {
        const { Item } = await documents.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: `INVITATION#${invitation.invitationId}`, sk: 'INVITATION' },
          }),
        );
        if (Item?.status === 'sent') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const words = replies[index % replies.length] ?? [];
      for (const [turn, text] of words.entries()) {
        await sms(outputs, invitation.phone, text, `SMdemo${run}${index}x${turn}`);
      }
      const csat = [5, 4, 4, 3][index % 4] ?? 0;
      const nps = [10, 9, 8, 6][index % 4] ?? 0;
      answered.push({
        csat,
        nps,
        channel: 'sms',
        region: REGIONS[index % 3] ?? '',
        touchpoint: TOUCHPOINTS[index % 3] ?? 'store',
      });
      smsAnswered += 1;
    }
    console.log(
      quiet > 0
        ? `SMS: ${quiet} invitations refused for quiet hours (${timeZone} night); start the demo's own sandbox (stop npm start) to see SMS answered.`
        : `SMS: ${smsInvited} invitations sent; ${smsAnswered} answered by SMS replies such as "５分", "九", "满意".`,
    );

    // The aggregates of today's groups, summed over shards, against what was answered.
    const day = dayInTimeZone(new Date(), timeZone);
    const want = new Map<string, { responses: number; promoters: number; satisfied: number }>();
    for (const answer of answered) {
      const key = `${answer.region}#mobile_data#${answer.touchpoint}#${answer.channel}`;
      const entry = want.get(key) ?? { responses: 0, promoters: 0, satisfied: 0 };
      entry.responses += 1;
      entry.promoters += answer.nps >= 9 ? 1 : 0;
      entry.satisfied += answer.csat >= 4 ? 1 : 0;
      want.set(key, entry);
    }
    const got = new Map<string, { responses: number; promoters: number; satisfied: number }>();
    for (let attempt = 0; attempt < 60; attempt += 1) {
      got.clear();
      // Every partition of the day's counters (shared/tables/aggregates.ts), shards summed.
      const partitions = await Promise.all(
        aggregateKeys
          .counterDayQueries('responses', day)
          .map((counterQuery) =>
            documents.send(new QueryCommand({ TableName: aggregatesTable, ...counterQuery })),
          ),
      );
      for (const item of partitions.flatMap(({ Items = [] }) => Items)) {
        const { region, service, touchpoint, channel } = aggregateKeys.groupOfCounter(item);
        const key = [region, service, touchpoint, channel].join('#');
        const entry = got.get(key) ?? { responses: 0, promoters: 0, satisfied: 0 };
        entry.responses += Number(item.responses ?? 0);
        entry.promoters += Number(item.nps_9 ?? 0) + Number(item.nps_10 ?? 0);
        entry.satisfied += Number(item.csat_4 ?? 0) + Number(item.csat_5 ?? 0);
        got.set(key, entry);
      }
      const total = [...got.values()].reduce((sum, entry) => sum + entry.responses, 0);
      if (total >= answered.length) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const agree = [...want].every(([key, entry]) => {
      const found = got.get(key);
      return found && found.responses >= entry.responses;
    });
    const total = [...got.values()].reduce((sum, entry) => sum + entry.responses, 0);
    const satisfied = [...got.values()].reduce((sum, entry) => sum + entry.satisfied, 0);
    const promoters = [...got.values()].reduce((sum, entry) => sum + entry.promoters, 0);
    console.log(`Daily aggregates for ${day} (${timeZone}):`);
    console.log(`  responses counted             ${total} (this run answered ${answered.length})`);
    console.log(`  satisfied (CSAT 4-5)          ${satisfied}   promoters (NPS 9-10) ${promoters}`);
    for (const [key, entry] of [...got].sort())
      console.log(`  ${key.padEnd(40)} ${entry.responses}`);
    return agree && total >= answered.length;
  } finally {
    documents.destroy();
  }
}
