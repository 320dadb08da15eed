/**
 * The follow-up part of `npm run demo`: the operator's ticketing system as a local
 * receiver that verifies every delivery with the official `standardwebhooks` package,
 * surveys answered badly, the cases received, and `contacted` posted back for some.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { SandboxOutputs } from '#sandbox/sandbox.ts';
import type { FollowUpCase } from '#shared/domain/follow-up.ts';
import { signatureHeader } from '#shared/http/signature.ts';

const run = Date.now().toString(36);
/** Surveys the demo answers badly, and how many of their cases it reports contacted. */
const DETRACTORS = 12;
const CONTACTED = 9;

/** A delivery as the receiver got it. */
interface Delivery {
  webhookId: string;
  verified: boolean;
  followUpCase?: FollowUpCase;
}

/** The local ticketing system: deliveries kept by webhook id, verified once the secret is known. */
export interface FollowUpReceiver {
  url: string;
  /** Set once the sandbox has made the endpoint's secret. */
  secret: string | undefined;
  deliveries: Map<string, Delivery>;
  stop(): Promise<void>;
}

function verify(secret: string | undefined, headers: IncomingHttpHeaders, body: string) {
  if (!secret) return undefined;
  try {
    return new Webhook(secret).verify(body, headers as Record<string, string>) as {
      type: string;
      data: FollowUpCase;
    };
  } catch {
    return undefined;
  }
}

/** Starts the receiver on 127.0.0.1 (port 0: any free one); it answers 204 to a verified delivery, 401 otherwise. */
export async function startFollowUpReceiver(port = 0): Promise<FollowUpReceiver> {
  const deliveries = new Map<string, Delivery>();
  const receiver: FollowUpReceiver = {
    url: '',
    secret: undefined,
    deliveries,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const payload = verify(receiver.secret, request.headers, Buffer.concat(chunks).toString());
      const webhookId = String(request.headers['webhook-id'] ?? '');
      // A redelivered message keeps its id: taken once.
      if (payload || !deliveries.has(webhookId)) {
        deliveries.set(webhookId, {
          webhookId,
          verified: payload !== undefined,
          ...(payload ? { followUpCase: payload.data } : {}),
        });
      }
      response.writeHead(payload ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cases`;
  return receiver;
}

async function invite(outputs: SandboxOutputs, index: number) {
  const body = Buffer.from(
    JSON.stringify({
      eventId: `demo-${run}-followup-${index}`,
      customerRef: `demo-${run}-followup-${index}`,
      phone: `+86139${String(20_000_000 + index * 104_729).slice(-8)}`,
      locale: 'zh-CN',
      channel: 'web',
      touchpoint: (['store', 'hotline', 'field_repair'] as const)[index % 3],
      region: (['GD-SZ', 'BJ', 'SH'] as const)[index % 3],
      service: 'mobile_data',
      occurredAt: new Date().toISOString(),
    }),
  );
  const response = await fetch(`${outputs.apiUrl}/invitations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signatureHeader(
        outputs.secrets.invitationSources.crm ?? '',
        Math.floor(Date.now() / 1000),
        body,
      ),
    },
    body,
  });
  return (await response.json()) as { invitationId?: string; surveyUrl?: string };
}

/** `contacted` for a case, signed by the invitation source that made its invitation. */
async function contacted(outputs: SandboxOutputs, caseId: string) {
  const body = Buffer.from(
    JSON.stringify({
      eventId: `demo-${run}-${caseId}-contacted`,
      type: 'contacted',
      occurredAt: new Date().toISOString(),
    }),
  );
  const response = await fetch(`${outputs.apiUrl}/cases/${caseId}/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signatureHeader(
        outputs.secrets.invitationSources.crm ?? '',
        Math.floor(Date.now() / 1000),
        body,
      ),
    },
    body,
  });
  return response.status;
}

/**
 * Answers surveys badly, waits for their cases at the receiver, prints them, and posts
 * `contacted` for most; answers whether every case arrived verified and every event was
 * taken.
 */
export async function demoFollowUp(
  outputs: SandboxOutputs,
  receiver: FollowUpReceiver | undefined,
): Promise<boolean> {
  if (!receiver) {
    console.log(
      '\nFollow-up cases: this sandbox has no local receiver (start it with SANDBOX_FOLLOW_UP_URL=http://127.0.0.1:<port>/cases, or stop npm start so that the demo starts its own).',
    );
    return true;
  }
  const expected: string[] = [];
  for (let index = 0; index < DETRACTORS; index += 1) {
    const { invitationId, surveyUrl } = await invite(outputs, index);
    if (!invitationId || !surveyUrl) continue;
    const answered = await fetch(surveyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csat: String(1 + (index % 2)),
        nps: String(index % 5),
        comment: index % 3 === 0 ? '排队太久' : '',
      }).toString(),
      redirect: 'manual',
    });
    if (answered.status === 303) expected.push(`case_${invitationId}`);
  }
  const ours = () =>
    [...receiver.deliveries.values()].filter(
      (delivery) => delivery.followUpCase && expected.includes(delivery.followUpCase.caseId),
    );
  for (let wait = 0; wait < 240 && ours().length < expected.length; wait += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const received = ours().sort((a, b) =>
    (a.followUpCase?.caseId ?? '') < (b.followUpCase?.caseId ?? '') ? -1 : 1,
  );
  const unverified = [...receiver.deliveries.values()].filter((delivery) => !delivery.verified);
  console.log(
    `\nFollow-up cases: ${expected.length} surveys answered badly; the local receiver (${receiver.url}) got ${received.length} cases, every one verified with the standardwebhooks package${unverified.length > 0 ? `, but ${unverified.length} deliveries did NOT verify` : ''}:`,
  );
  for (const { followUpCase } of received) {
    if (!followUpCase) continue;
    const scores = `CSAT ${followUpCase.csat}${followUpCase.nps !== undefined ? `, NPS ${followUpCase.nps}` : ''}`;
    console.log(
      `  ${followUpCase.caseId}  ${followUpCase.region.padEnd(6)}${followUpCase.touchpoint.padEnd(13)}${scores.padEnd(16)}${followUpCase.comment ?? ''}`,
    );
  }
  let taken = 0;
  for (const { followUpCase } of received.slice(0, CONTACTED)) {
    if (followUpCase && (await contacted(outputs, followUpCase.caseId)) === 202) taken += 1;
  }
  console.log(
    `Posted contacted for ${taken} of them (POST /cases/{caseId}/events, 202); the other ${received.length - taken} stay open.`,
  );
  return (
    received.length === expected.length &&
    expected.length === DETRACTORS &&
    unverified.length === 0 &&
    taken === Math.min(CONTACTED, received.length)
  );
}
