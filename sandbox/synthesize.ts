import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createApp } from '#infra/app-factory.ts';

/** cdk.json's context (feature flags, defaults), which only the CLI would otherwise read. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(process.cwd(), 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * What the sandbox synthesizes with beyond cdk.json: a notice sender, so that publication
 * notices are sent (the sandbox verifies the address in the emulator and prints each mail).
 */
export const SANDBOX_CONTEXT: Readonly<Record<string, unknown>> = {
  noticeSender: 'reports@sandbox.local',
};

/**
 * Synthesizes the app as `cdk synth` does, with cdk.json's context plus overrides. With
 * `bundle: false` the functions are not bundled: for template assertions that need no code.
 */
export function synthesizeApp(options: {
  outdir?: string;
  context?: Record<string, unknown>;
  bundle?: boolean;
}) {
  const created = createApp({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    context: {
      ...cdkJsonContext(),
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...options.context,
    },
  });
  const assembly = created.app.synth();
  return { ...created, assembly };
}

/** What synthesis reads: when none of it changed, the last assembly is still right. */
const SYNTHESIS_INPUTS = [
  'infra',
  'functions',
  'shared',
  'cdk.json',
  'package-lock.json',
  'tsconfig.json',
  // SANDBOX_CONTEXT.
  'sandbox/synthesize.ts',
];
const HASH_FILE = 'synthesis-inputs.sha256';

function inputsHash(root: string): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry));
      return;
    }
    hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const input of SYNTHESIS_INPUTS) visit(join(root, input));
  return hash.digest('hex');
}

/**
 * Synthesizes into `outdir` unless the assembly there was made from the same inputs.
 * Answers whether it synthesized.
 */
export function synthesizeIfChanged(outdir: string): { synthesized: boolean } {
  const hash = inputsHash(process.cwd());
  const hashFile = join(outdir, HASH_FILE);
  if (
    existsSync(hashFile) &&
    readFileSync(hashFile, 'utf8') === hash &&
    existsSync(join(outdir, 'manifest.json'))
  ) {
    return { synthesized: false };
  }
  rmSync(outdir, { recursive: true, force: true });
  synthesizeApp({ outdir, context: { ...SANDBOX_CONTEXT } });
  writeFileSync(hashFile, hash);
  return { synthesized: true };
}
