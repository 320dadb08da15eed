import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
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
const shared = globalThis as { tsqSynthesized?: { synthesisError: string } };

/**
 * Synthesizes the app once per test run (each project calls this; CDK's asset staging
 * cache is per process, so a second synthesis would not restage); infra and integration
 * suites read the result.
 */
export default function setup(project: TestProject) {
  if (!shared.tsqSynthesized) {
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
    shared.tsqSynthesized = { synthesisError };
  }
  project.provide('assemblyDirectory', directory);
  project.provide('synthesisError', shared.tsqSynthesized.synthesisError);
}
