import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '#infra/app-factory.ts';

/** cdk.json's context (feature flags, defaults), which only the CLI would otherwise read. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(process.cwd(), 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

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
