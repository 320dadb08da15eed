/**
 * report.pdf: the PDF function's time, memory and cost per report, and its package. A
 * report.html of the cn-miit profile with every region's cells is printed by the
 * sandbox's PDF function (the real bundle, its Chromium and fonts) three times after a
 * first print; Chromium's own inflation into /tmp (a cold start) is timed apart, in a
 * fresh temporary directory. Memory is Chromium's processes (resident, sampled) plus the
 * function's heap, as Lambda's "max memory used" counts the whole environment.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalApp } from '#sandbox/local-app.ts';
import { buildIndicators } from '#shared/indicators/build-indicators.ts';
import type { ResponseAggregateRow } from '#shared/indicators/catalogue.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import { nearestRank } from '#shared/indicators/statistics.ts';
import { renderReportHtml } from '#shared/reports/report-html.ts';
import { PRICES } from './surveys.ts';

/** us-east-1 list price of x86-64 Lambda (the PDF function's architecture), per GB-second. */
const LAMBDA_X86_PER_GB_SECOND = 0.0000166667;
/** The package rule of the PDF function (docs/design.md §9). */
export const PDF_PACKAGE_BUDGET = { codeBytes: 2 * 1024 * 1024, totalBytes: 100 * 1024 * 1024 };

/** Bytes of a directory, recursively, source maps excluded. */
export function directoryBytes(directory: string): number {
  return readdirSync(directory).reduce((sum, name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sum + directoryBytes(path);
    return name.endsWith('.map') ? sum : sum + statSync(path).size;
  }, 0);
}

/** Resident bytes of every process below this one (Chromium's browser, renderer, GPU). */
function descendantsResidentBytes(): number {
  const parents = new Map<number, number>();
  const resident = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      resident.set(Number(entry), Number(fields[21]) * 4096);
    } catch {
      // The process ended meanwhile.
    }
  }
  let total = 0;
  for (const [pid, bytes] of resident) {
    for (let at = parents.get(pid); at !== undefined && at > 1; at = parents.get(at)) {
      if (at === process.pid) {
        total += bytes;
        break;
      }
    }
  }
  return total;
}

/** A cn-miit quarter's report.html: four regions, two services, every cell published. */
function sampleReportHtml() {
  const regions = ['GD-SZ', 'GD-GZ', 'BJ', 'SH'];
  const responses: ResponseAggregateRow[] = regions.flatMap((region, index) =>
    ['mobile_data', 'fixed_broadband'].map((service) => ({
      day: '2026-08-12',
      region,
      service,
      touchpoint: 'store',
      channel: 'web',
      counts: {
        responses: 60,
        csat_5: 40 - index * 5,
        csat_2: 20 + index * 5,
        nps_10: 30,
        nps_3: 30,
      },
    })),
  );
  const profile = BUILT_IN_PROFILES['cn-miit'];
  const built = buildIndicators({
    profile,
    period: '2026-Q3',
    inputs: { responses, invitations: [] },
  });
  return renderReportHtml(built, profile, {
    reportId: '20261001T030000Z-0123456789ab',
    operator: 'Example Telecom',
    generatedAt: '2026-10-01T03:00:00.000Z',
    edition: 1,
    codeVersion: 'bench',
    dataWatermark: '{}',
  });
}

/** Chromium's inflation from the bundle's brotli files into an empty /tmp, in milliseconds. */
function inflateMs(chromiumDirectory: string): number {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-inflate-'));
  try {
    const script = `const { default: chromium } = await import('@sparticuz/chromium');
const started = performance.now();
await chromium.executablePath(${JSON.stringify(chromiumDirectory)});
process.stdout.write(String(performance.now() - started));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TMPDIR: scratch },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`inflating Chromium failed: ${result.stderr}`);
    return Number(result.stdout);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function benchPdf(app: LocalApp): Promise<{ lines: string[]; met: boolean }> {
  const host = app.host('ReportPdf');
  const html = sampleReportHtml();
  const event = { reportId: '20261001T030000Z-0123456789ab', html };
  let peakResident = 0;
  const sampler = setInterval(() => {
    peakResident = Math.max(peakResident, descendantsResidentBytes());
  }, 20);
  const print = async () => {
    const started = performance.now();
    const invocation = await host.invoke(event);
    if (!invocation.ok) throw new Error(invocation.error.errorMessage);
    const { pdf } = invocation.result as { pdf: string };
    return { ms: performance.now() - started, bytes: Buffer.from(pdf, 'base64').length };
  };
  let first: { ms: number; bytes: number };
  const warm: number[] = [];
  try {
    host.usage.peakBytes = 0;
    first = await print();
    for (let run = 0; run < 3; run += 1) warm.push((await print()).ms);
  } finally {
    clearInterval(sampler);
  }
  const warmMs = nearestRank(warm, 0.5) ?? 0;
  const inflate = inflateMs(join(host.fn.assetDirectory, 'chromium'));
  const memoryMiB = (peakResident + host.usage.peakBytes) / 2 ** 20;
  const gb = host.fn.memorySize / 1024;
  const cost = (ms: number) =>
    (ms / 1000) * gb * LAMBDA_X86_PER_GB_SECOND + PRICES.lambdaPerMillionRequests / 1e6;
  // The builder waits for the print: its own billed time grows by as much (ARM, its memory).
  const builder = app.host('ReportBuilder').fn.memorySize / 1024;
  const waiting = (ms: number) => (ms / 1000) * builder * PRICES.lambdaArmPerGbSecond;
  const coldMs = first.ms + inflate;
  const code = statSync(join(host.fn.assetDirectory, 'index.mjs')).size;
  const total = directoryBytes(host.fn.assetDirectory);
  const met =
    code <= PDF_PACKAGE_BUDGET.codeBytes &&
    total <= PDF_PACKAGE_BUDGET.totalBytes &&
    memoryMiB <= host.fn.memorySize;
  const usd = (value: number) => `$${value.toFixed(6)}`;
  return {
    met,
    lines: [
      `report.pdf (cn-miit quarter, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB of report.html → ${(first.bytes / 1024).toFixed(0)} KiB PDF): warm print ${warmMs.toFixed(0)} ms (median of 3), first print in a new environment ${first.ms.toFixed(0)} ms + Chromium inflated into /tmp ${inflate.toFixed(0)} ms = cold ${coldMs.toFixed(0)} ms`,
      `report.pdf memory: ${memoryMiB.toFixed(0)} MiB at most (Chromium's processes resident + the function's heap; the function has ${host.fn.memorySize} MB ${memoryMiB <= host.fn.memorySize ? 'ok' : 'OVER'})`,
      `report.pdf cost per report (x86-64 Lambda, us-east-1 list price, ${host.fn.memorySize} MB): warm ${usd(cost(warmMs))}, cold ${usd(cost(coldMs))}; the builder's wait adds ${usd(waiting(warmMs))} warm, ${usd(waiting(coldMs))} cold`,
      `report.pdf package: code ${(code / 1024).toFixed(0)} KiB (≤ ${PDF_PACKAGE_BUDGET.codeBytes / 1024} KiB ${code <= PDF_PACKAGE_BUDGET.codeBytes ? 'ok' : 'OVER'}), with Chromium's brotli files and the fonts ${(total / 2 ** 20).toFixed(1)} MiB unzipped (≤ ${PDF_PACKAGE_BUDGET.totalBytes / 2 ** 20} MiB ${total <= PDF_PACKAGE_BUDGET.totalBytes ? 'ok' : 'OVER'}; Lambda allows 250 MB)`,
    ],
  };
}
