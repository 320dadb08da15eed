/**
 * The demo's last act: a report built for the demo's month, its headline figures, and a
 * verification of what was downloaded, with the commands that repeat it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { LambdaHost } from '#sandbox/lambda/lambda-host.ts';
import type { SandboxOutputs, SandboxState } from '#sandbox/sandbox.ts';
import { dynamoDbReportInputs } from '#shared/adapters/dynamodb/report-inputs.ts';
import { monthInTimeZone } from '#shared/domain/zoned-time.ts';
import { isWholeOperator } from '#shared/indicators/catalogue.ts';
import {
  complaintFiguresOfStates,
  complaintFiguresRequest,
  loadComplaintFigures,
} from '#shared/indicators/complaint-figures.ts';
import { parsePeriod } from '#shared/indicators/periods.ts';
import { recomputeReport } from '#shared/reports/report-extract.ts';
import { verifyReport } from '#shared/reports/verify-report.ts';

const HEADLINES = [
  'survey.csat_pct',
  'survey.nps',
  'survey.response_rate_pct',
  'survey.detractor_followup_within_48h_pct',
  'complaints.resolved_within_15d_pct',
  'complaints.resolution_hours_p50',
  'complaints.reopened_pct',
  'faults.repaired_within_24h_pct',
];

interface Indicator {
  id: string;
  dimensions: Record<string, string>;
  value: number | null;
  n: number;
  unit: string;
  target?: { op: string; value: number };
  compliant: boolean | null;
  note?: string;
}

/**
 * Waits (a minute at most) until the complaint aggregator has counted every state change
 * the processor wrote: the report's figures read its counters, the extract the states.
 */
async function complaintCountersCaughtUp(
  state: SandboxState,
  environment: Record<string, string>,
  period: string,
) {
  const client = new DynamoDBClient({
    endpoint: state.endpoint,
    region: state.region,
    credentials: emulatorCredentials,
  });
  const timeZone = environment.REPORTING_TIME_ZONE ?? 'Asia/Shanghai';
  const inputs = dynamoDbReportInputs({
    client,
    aggregatesTable: environment.AGGREGATES_TABLE_NAME ?? '',
    complaintsTable: environment.COMPLAINTS_TABLE_NAME ?? '',
    surveysTable: environment.SURVEYS_TABLE_NAME ?? '',
  });
  const request = complaintFiguresRequest(parsePeriod(period, timeZone), {
    quantiles: [],
    withinHours: [],
  });
  try {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const states = [];
      for (const month of request.window) {
        for await (const page of inputs.complaintStatePages(month, request.window))
          states.push(...page.states);
      }
      const counted = await loadComplaintFigures(inputs.complaintCounters, request);
      if (isDeepStrictEqual(counted, complaintFiguresOfStates(states, timeZone, request))) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    client.destroy();
  }
}

/** Builds, downloads and verifies the report; answers whether it verified. */
export async function demoReport(
  outputs: SandboxOutputs,
  state: SandboxState,
  directory: string,
): Promise<boolean> {
  const fn = state.functions.find(
    (candidate) => candidate.environment.POWERTOOLS_SERVICE_NAME === 'report-builder',
  );
  if (!fn) throw new Error('the sandbox has no report-builder function');
  const period = monthInTimeZone(new Date(), fn.environment.REPORTING_TIME_ZONE ?? 'Asia/Shanghai');
  await complaintCountersCaughtUp(state, fn.environment, period);
  const host = new LambdaHost({
    fn,
    endpoint: state.endpoint,
    region: state.region,
    credentials: emulatorCredentials,
  });
  const invocation = await host.invoke({ profile: 'baseline', period }).finally(() => host.stop());
  if (!invocation.ok)
    throw new Error(`the report builder failed: ${invocation.error.errorMessage}`);
  const { reportId } = invocation.result as { reportId: string };

  // Download every file through the API as a regulator would: the manifest's file list,
  // then each file by its five-minute link, and the public key.
  // The assessor extract only an assessor may download.
  const api = (path: string, as: 'regulators' | 'assessors' = 'regulators') =>
    fetch(`${outputs.apiUrl}${path}`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${outputs.users[as]?.idToken ?? ''}` },
    });
  const listing = (await (await api(`/reports/${reportId}`, 'assessors')).json()) as {
    files: string[];
  };
  const target = join(directory, 'reports', reportId);
  const files = new Map<string, Buffer>();
  for (const name of listing.files) {
    const as = name.startsWith('extract/') ? 'assessors' : 'regulators';
    const link = (await api(`/reports/${reportId}/files/${name}`, as)).headers.get('location');
    if (!link) throw new Error(`no download link for ${name}`);
    const body = Buffer.from(await (await fetch(link)).arrayBuffer());
    files.set(name, body);
    mkdirSync(dirname(join(target, name)), { recursive: true });
    writeFileSync(join(target, name), body);
  }
  const publicKeyPem = await (await fetch(`${outputs.apiUrl}/reports/signing-key`)).text();
  writeFileSync(join(target, 'signing-key.pem'), publicKeyPem);

  const report = JSON.parse(files.get('report.json')?.toString('utf8') ?? '{}') as {
    indicators?: Indicator[];
  };
  console.log(
    `\nReport ${reportId}: profile baseline, period ${period}; downloaded through GET /reports/${reportId}/files/… as ${outputs.users.regulators?.username} (the extract as ${outputs.users.assessors?.username}).`,
  );
  for (const id of HEADLINES) {
    const entry = report.indicators?.find(
      (candidate) => candidate.id === id && isWholeOperator(candidate),
    );
    if (!entry) continue;
    const value =
      entry.value === null
        ? `— (${entry.note ?? 'not computable'})`
        : `${entry.value} ${entry.unit}`;
    const target = entry.target
      ? `  target ${entry.target.op} ${entry.target.value}: ${entry.compliant === null ? 'n/a' : entry.compliant ? 'met' : 'NOT met'}`
      : '';
    console.log(`  ${id.padEnd(41)} ${value.padEnd(22)} n ${String(entry.n).padEnd(5)}${target}`);
  }
  const verification = verifyReport({
    manifest: files.get('manifest.json') ?? Buffer.alloc(0),
    signature: files.get('manifest.sig')?.toString('utf8') ?? '',
    publicKeyPem,
    files,
  });
  console.log(
    `Downloaded to ${target}; the signature ${verification.signatureValid ? 'verifies' : 'does NOT verify'} with GET /reports/signing-key and ${verification.files.filter((file) => file.ok && file.checked).length} of ${verification.files.length} files match the manifest.`,
  );
  const { recomputed, mismatches } = recomputeReport(files);
  console.log(
    `Recomputed from the assessor extract alone: ${recomputed.indicators.length} figures, ${mismatches.length === 0 ? 'every one equal to report.json' : `${mismatches.length} DIFFERENT`}.`,
  );
  console.log('Verify and recompute it again, offline:');
  console.log(`  npm run admin -- verify ${target}`);
  console.log(`  npm run admin -- recompute ${target}`);
  console.log(
    `  cd ${target} && base64 -d manifest.sig > manifest.der && openssl dgst -sha256 -verify signing-key.pem -signature manifest.der manifest.json`,
  );
  return verification.ok && mismatches.length === 0;
}
