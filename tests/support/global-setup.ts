import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { inflateChromium } from '#sandbox/lambda/chromium.ts';
import { SANDBOX_CONTEXT, synthesizeApp } from '#sandbox/synthesize.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cloud assembly that `cdk synth` would produce, bundles included. */
    assemblyDirectory: string;
    /** The synthesis error (cdk-nag findings, a cycle…), empty when it succeeded. */
    synthesisError: string;
  }
}

const directory = join(process.cwd(), '.tmp', 'test-assembly');
// On globalThis: each project loads this module afresh, but they share one process.
const shared = globalThis as { tsqSynthesized?: Promise<{ synthesisError: string }> };

/**
 * Inflates Chromium and synthesizes the app once per test run (each project calls this;
 * CDK's asset staging cache is per process, so a second synthesis would not restage);
 * infra and integration suites read the result.
 */
export default async function setup(project: TestProject) {
  shared.tsqSynthesized ??= prepare();
  const { synthesisError } = await shared.tsqSynthesized;
  project.provide('assemblyDirectory', directory);
  project.provide('synthesisError', synthesisError);
}

async function prepare(): Promise<{ synthesisError: string }> {
  // Once, before the test files' processes would each inflate it into the same /tmp.
  await inflateChromium();
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  let synthesisError = '';
  try {
    // With an operator's own profile, as `-c profilesDirectory=…` adds one.
    synthesizeApp({
      outdir: directory,
      context: {
        ...SANDBOX_CONTEXT,
        profilesDirectory: join(process.cwd(), 'tests', 'fixtures', 'profiles'),
      },
    });
  } catch (error) {
    synthesisError = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
    writeFileSync(join(directory, 'synthesis-error.txt'), synthesisError);
  }
  return { synthesisError };
}
