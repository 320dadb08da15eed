import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, inject, it } from 'vitest';

/** Findings of every validation plugin, as CDK's validation report records them. */
function findingsIn(directory: string) {
  const report = JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as {
    pluginReports: {
      violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
    }[];
  };
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map(
        (construct) => `${violation.ruleName} at ${construct.constructPath}`,
      ),
    ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the app', () => {
    expect(inject('synthesisError')).toBe('');
    expect(findingsIn(inject('assemblyDirectory'))).toEqual([]);
  });

  it('gives every acknowledgment a reason a reviewer can weigh', () => {
    const directory = inject('assemblyDirectory');
    const reasons = readdirSync(directory)
      .filter((file) => file.endsWith('.metadata.json'))
      .flatMap((file) => {
        const metadata = JSON.parse(readFileSync(join(directory, file), 'utf8')) as Record<
          string,
          { type: string; data: Record<string, string> }[]
        >;
        return Object.values(metadata)
          .flat()
          .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
          .flatMap((entry) => Object.entries(entry.data));
      });

    expect(reasons.length).toBeGreaterThan(0);
    for (const [rule, reason] of reasons) {
      expect(reason.length, rule).toBeGreaterThan(60);
    }
  });

  it('does report a finding when a resource breaks a rule (the check is live)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Careless');
    new Queue(stack, 'PlainQueue');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).toThrow();
    expect(findingsIn(app.outdir).join('\n')).toMatch(/AwsSolutions-SQS/);
  });
});

describe('cfn-lint', () => {
  it('reports no error and no warning on any synthesized template', () => {
    const directory = inject('assemblyDirectory');
    const templates = readdirSync(directory)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => join(directory, file));
    expect(templates.length).toBe(2);

    // W3005: CDK always adds DependsOn from a function to its role as well as a GetAtt.
    const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', ...templates], {
      encoding: 'utf8',
    });

    expect(result.error, 'cfn-lint must be installed (README, Prerequisites)').toBeUndefined();
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });
});
