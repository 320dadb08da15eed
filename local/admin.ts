/**
 * `npm run admin -- <command>`: the administrator's tools.
 *
 *   verify <directory> [--key signing-key.pem]
 *       Verifies a downloaded report offline: the manifest's signature against the
 *       published public key (GET /reports/signing-key), then every file against the
 *       manifest. Exit code 0 only when everything checks.
 *
 *   recompute <directory>
 *       Recomputes every figure of report.json from the assessor extract and the profile
 *       in methodology.json alone, and lists each one that differs. Exit code 0 when all
 *       are equal.
 *
 * Running a report: `npm run invoke -- report-builder report-run.json` in the sandbox.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { recomputeReport } from '#shared/reports/report-extract.ts';
import { verifyReport } from '#shared/reports/verify-report.ts';

const USAGE = [
  'usage: npm run admin -- verify <report directory> [--key signing-key.pem]',
  '       npm run admin -- recompute <report directory>',
].join('\n');

/** Every file under a directory, by its path relative to it (extract/… included). */
function filesUnder(directory: string, root = directory): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      for (const [name, body] of filesUnder(path, root)) files.set(name, body);
    } else {
      files.set(relative(root, path), readFileSync(path));
    }
  }
  return files;
}

function verifyCommand(args: string[]): number {
  const directory = args.find((arg) => !arg.startsWith('--'));
  const keyIndex = args.indexOf('--key');
  if (!directory) throw new Error(USAGE);
  const keyPath = keyIndex >= 0 ? args[keyIndex + 1] : join(directory, 'signing-key.pem');
  for (const [what, path] of [
    ['manifest', join(directory, 'manifest.json')],
    ['signature', join(directory, 'manifest.sig')],
    ['public key (GET /reports/signing-key, or --key)', keyPath ?? ''],
  ] as const) {
    if (!existsSync(path)) throw new Error(`no ${what} at ${path}`);
  }
  const files = filesUnder(directory);
  const result = verifyReport({
    manifest: files.get('manifest.json') ?? Buffer.alloc(0),
    signature: files.get('manifest.sig')?.toString('utf8') ?? '',
    publicKeyPem: readFileSync(keyPath ?? '', 'utf8'),
    files,
  });
  console.log(`signature of manifest.json  ${result.signatureValid ? 'valid' : 'INVALID'}`);
  for (const file of result.files) {
    console.log(
      `${file.name.padEnd(27)} ${
        !file.ok ? `FAILS: ${file.problem}` : file.checked ? 'matches the manifest' : file.problem
      }`,
    );
  }
  console.log(result.ok ? 'The report verifies.' : 'The report does NOT verify.');
  return result.ok ? 0 : 1;
}

/** Recomputes report.json's figures from the extract and methodology.json alone. */
function recomputeCommand(args: string[]): number {
  const directory = args.find((arg) => !arg.startsWith('--'));
  if (!directory) throw new Error(USAGE);
  const { recomputed, mismatches } = recomputeReport(filesUnder(directory));
  for (const mismatch of mismatches.slice(0, 20)) {
    console.log(`${mismatch.at} DIFFERS`);
    console.log(`  published   ${JSON.stringify(mismatch.published)}`);
    console.log(`  recomputed  ${JSON.stringify(mismatch.recomputed)}`);
  }
  if (mismatches.length > 20) console.log(`… and ${mismatches.length - 20} more`);
  console.log(
    mismatches.length === 0
      ? `All ${recomputed.indicators.length} figures and ${recomputed.rankings.length} rankings recomputed from the extract equal report.json.`
      : `${mismatches.length} figures of report.json are NOT what the extract gives.`,
  );
  return mismatches.length === 0 ? 0 : 1;
}

try {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'verify') process.exitCode = verifyCommand(args);
  else if (command === 'recompute') process.exitCode = recomputeCommand(args);
  else throw new Error(USAGE);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 2;
}
