/**
 * `npm run bench`: the budgets of docs/design.md §9 that this code base can measure today.
 * Per function: the minified bundle CDK ships and its module init time in a fresh Node
 * process (median of 15, minus a bare `node -e ''`), beside the budget; the sandbox's
 * readiness; the survey costs and ingest; the report build; the restatement check; the load
 * run; report.pdf; the scale bench.
 * `npm run bench -- --only <part>` runs one part (bundles, sandbox, surveys, restate, load, pdf,
 * scale); `--requests <n>` sizes the load run (10,000 unless given); `--complaints <n>` the
 * scale bench's month (2,000,000 unless given) and `--sample <n>` its write-path sample
 * (20,000 complaints unless given).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PORTAL_ROUTES } from '#infra/constructs/service-api.ts';
import { readCloudAssembly } from '#sandbox/emulator/cloud-assembly.ts';
import { type ResolutionContext, resolveValue } from '#sandbox/emulator/intrinsics.ts';
import { freePort } from '#sandbox/emulator/moto.ts';
import { type Sandbox, startSandbox } from '#sandbox/sandbox.ts';
import { synthesizeApp } from '#sandbox/synthesize.ts';
import { nearestRank } from '#shared/indicators/statistics.ts';
import { capacityLines, mappingsOf } from './capacity.ts';
import { benchLoad } from './load.ts';
import { benchPdf, PDF_PACKAGE_BUDGET } from './pdf.ts';
import { benchReports, benchRestatements } from './reports.ts';
import { benchScale } from './scale/scale.ts';
import { benchSurveys, startCaseReceiver } from './surveys.ts';

const RUNS = 15;
const KIB = 1024;
const budgets = { intakeBytes: 250 * KIB, otherBytes: 600 * KIB, intakeInitMs: 100 };

const PARTS = ['bundles', 'sandbox', 'surveys', 'restate', 'load', 'pdf', 'scale'] as const;
const option = (name: string) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const only = option('--only');
if (only !== undefined && !(PARTS as readonly string[]).includes(only)) {
  console.error(`--only takes one of ${PARTS.join(', ')}`);
  process.exit(2);
}
const loadRequests = Number(option('--requests') ?? 10_000);
const scaleComplaints = Number(option('--complaints') ?? 2_000_000);
const scaleSample = Number(option('--sample') ?? 20_000);
const runs = (part: (typeof PARTS)[number]) => only === undefined || only === part;

const directory = join(process.cwd(), '.tmp', 'bench-assembly');
// The scale part runs no sandbox and reads no assembly.
if (only !== 'scale') {
  rmSync(directory, { recursive: true, force: true });
  synthesizeApp({ outdir: directory });
}

const median = (values: number[]) => nearestRank(values, 0.5) ?? 0;

/** Wall time of a fresh Node process running `script`, in milliseconds. */
function timeNode(script: string, env: Record<string, string>) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...env, PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`node failed: ${result.stderr}`);
  return elapsed;
}

let withinBudget = true;

if (runs('bundles')) {
  const stacks = readCloudAssembly(directory);
  const bare = median(Array.from({ length: RUNS }, () => timeNode('', {})));
  const rows: string[][] = [];

  for (const stack of stacks) {
    // Functions behind an HTTP route are intake functions, with the tighter budget, unless
    // people call them (a JWT or the portal's session): those are few people, now and then,
    // so their bundle has the other functions' budget; their init keeps the routes' budget.
    const resources = Object.values(stack.template.Resources);
    const integrationIds = new Map(
      Object.entries(stack.template.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Integration')
        .map(([id, resource]) => [id, JSON.stringify(resource.Properties?.IntegrationUri)]),
    );
    const routed = new Map<string, 'intake' | 'people'>();
    for (const route of resources.filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')) {
      const target = JSON.stringify(route.Properties?.Target);
      const uri = [...integrationIds].find(([id]) => target.includes(id))?.[1];
      if (!uri) continue;
      const people =
        route.Properties?.AuthorizationType === 'JWT' ||
        (PORTAL_ROUTES as readonly unknown[]).includes(route.Properties?.RouteKey);
      routed.set(uri, routed.get(uri) === 'intake' || !people ? 'intake' : 'people');
    }
    // Environment values are placeholders shaped like the real ones: init reads them, calls nothing.
    const placeholders: ResolutionContext = {
      stackName: stack.stackName,
      region: 'us-east-1',
      accountId: '123456789012',
      refs: new Map(),
      attributes: new Map(),
      exports: new Map(),
      placeholder: (_what, key) =>
        /Secret/.test(key)
          ? `arn:aws:secretsmanager:us-east-1:123456789012:secret:${key}`
          : `https://sqs.us-east-1.amazonaws.com/123456789012/${key}`,
    };
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const hash = String(
        (resource.Properties?.Code as { S3Key?: string } | undefined)?.S3Key,
      ).replace('.zip', '');
      const assetDirectory = stack.assetDirectories.get(hash) ?? '';
      const bundle = join(assetDirectory, 'index.mjs');
      const bytes = readdirSync(assetDirectory)
        .filter((file) => !file.endsWith('.map'))
        .reduce((sum, file) => sum + statSync(join(assetDirectory, file)).size, 0);
      const variables = (
        resource.Properties?.Environment as { Variables?: Record<string, unknown> }
      )?.Variables;
      const env = Object.fromEntries(
        Object.entries(resolveValue(variables ?? {}, placeholders) as Record<string, unknown>).map(
          ([key, value]) => [key, String(value)],
        ),
      );
      Object.assign(env, {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_LAMBDA_FUNCTION_NAME: logicalId,
      });
      delete env.NODE_OPTIONS;
      const script = `await import(${JSON.stringify(pathToFileURL(bundle).href)});`;
      timeNode(script, env); // warm the file cache
      const init = median(Array.from({ length: RUNS }, () => timeNode(script, env))) - bare;
      // The PDF function carries Chromium and a font beside its code: its code has a rule of
      // its own, and `--only pdf` checks the whole package.
      const kind =
        env.POWERTOOLS_SERVICE_NAME === 'report-pdf'
          ? ('pdf' as const)
          : ([...routed].find(([uri]) => uri.includes(logicalId))?.[1] ?? ('other' as const));
      const sizeBudget =
        kind === 'pdf'
          ? PDF_PACKAGE_BUDGET.codeBytes
          : kind === 'intake'
            ? budgets.intakeBytes
            : budgets.otherBytes;
      const sizeOk = bytes <= sizeBudget;
      const initBudgeted = kind === 'intake' || kind === 'people';
      const initOk = !initBudgeted || init <= budgets.intakeInitMs;
      withinBudget &&= sizeOk && initOk;
      rows.push([
        logicalId.replace(/[0-9A-F]{8}$/, ''),
        kind,
        `${(bytes / KIB).toFixed(1)} KiB`,
        `≤ ${sizeBudget / KIB} KiB ${sizeOk ? 'ok' : 'OVER'}`,
        `${init.toFixed(1)} ms`,
        initBudgeted ? `≤ ${budgets.intakeInitMs} ms ${initOk ? 'ok' : 'OVER'}` : '—',
      ]);
    }
  }

  const header = [
    'function',
    'kind',
    'bundle (minified)',
    'budget',
    'init above bare node',
    'budget',
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  console.log(
    `Node ${process.version}; bare \`node -e ''\` median ${bare.toFixed(1)} ms over ${RUNS} runs`,
  );
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

/** A bench sandbox of its own, on a free port, from the assembly synthesized above. */
const benchSandbox = async (options: { followUpReceiverUrl?: string } = {}) =>
  startSandbox({
    port: await freePort(),
    directory: join(process.cwd(), '.tmp', 'bench-sandbox'),
    assemblyDirectory: directory,
    print: () => undefined,
    colour: false,
    ...options,
  });

/** Prints a part's lines and keeps whether it met its budgets. */
const report = (part: { lines: string[]; met: boolean }) => {
  for (const line of part.lines) console.log(line);
  withinBudget &&= part.met;
};

/** Runs one part of the bench in a sandbox of its own, stopped whatever happens. */
async function inOwnSandbox(
  part: (sandbox: Sandbox) => Promise<{ lines: string[]; met: boolean }>,
) {
  const sandbox = await benchSandbox();
  try {
    report(await part(sandbox));
  } finally {
    await sandbox.stop();
  }
}

if (runs('sandbox')) {
  // The sandbox: time from a synthesized assembly to serving requests (issue budget: 30 s).
  const readiness: number[] = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const sandbox = await benchSandbox();
    readiness.push(sandbox.readyMs);
    await sandbox.stop();
  }
  const ready = median(readiness);
  withinBudget &&= ready <= 30_000;
  console.log(
    `Sandbox ready after synthesis (emulator start, provisioning, workers, API): median ${(ready / 1000).toFixed(2)} s of 3 (≤ 30 s ${ready <= 30_000 ? 'ok' : 'OVER'})`,
  );
}

if (runs('surveys')) {
  // Surveys: cost per million responses and the sandbox's ingest rate; follow-up cases go to
  // a receiver on the loopback, as an operator's ticketing system would take them.
  const caseReceiver = await startCaseReceiver();
  const surveySandbox = await benchSandbox({ followUpReceiverUrl: caseReceiver.url });
  try {
    const surveys = await benchSurveys(surveySandbox, caseReceiver);
    report(surveys);
    // The capacity model multiplies what was just measured per unit (docs/capacity.md).
    const templates = readCloudAssembly(directory).map((stack) => stack.template);
    writeFileSync(
      join(process.cwd(), '.tmp', 'bench-units.json'),
      JSON.stringify(surveys.units, (_, value) =>
        value instanceof Map ? { map: [...value] } : value,
      ),
    );
    for (const line of capacityLines(surveys.units, mappingsOf(templates))) console.log(line);
    report(await benchReports(surveySandbox));
  } finally {
    await surveySandbox.stop();
    await caseReceiver.stop();
  }
}

// The daily restatement check, in a sandbox of its own: its months hold no other data.
if (runs('restate')) await inOwnSandbox(benchRestatements);
// Load: mixed requests at sustained concurrency, in a sandbox of their own.
if (runs('load')) await inOwnSandbox((sandbox) => benchLoad(sandbox, loadRequests));
// report.pdf: the PDF function in a sandbox of its own.
if (runs('pdf')) await inOwnSandbox((sandbox) => benchPdf(sandbox.app));
// The scale bench: a national month on the in-memory DynamoDB, no sandbox.
if (runs('scale')) report(await benchScale({ complaints: scaleComplaints, sample: scaleSample }));
console.log(withinBudget ? 'All measured budgets met.' : 'Some budgets are exceeded (see OVER).');
