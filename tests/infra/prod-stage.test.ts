import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesizeApp } from '#sandbox/synthesize.ts';

describe('prod stage', () => {
  const { stateful, stateless } = synthesizeApp({
    bundle: false,
    context: { stage: 'prod', alarmEmail: 'oncall@operator.example' },
  });
  const statefulTemplate = Template.fromStack(stateful);
  const statelessTemplate = Template.fromStack(stateless);

  it('retains every stateful resource and protects the table and stacks from deletion', () => {
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::SQS::Queue',
      'AWS::KMS::Key',
      'AWS::SecretsManager::Secret',
    ]) {
      const resources = Object.values(statefulTemplate.findResources(type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const resource of resources) {
        expect(resource.DeletionPolicy, type).toBe('Retain');
      }
    }
    for (const table of Object.values(statefulTemplate.findResources('AWS::DynamoDB::Table'))) {
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    }
    expect(stateful.terminationProtection).toBe(true);
    expect(stateless.terminationProtection).toBe(true);
  });

  it('keeps logs for a year and retains them', () => {
    const groups = Object.values(statelessTemplate.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) {
      expect(group.Properties.RetentionInDays).toBe(365);
      expect(group.DeletionPolicy).toBe('Retain');
    }
  });

  it('subscribes the alarm email from context', () => {
    statefulTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@operator.example',
    });
  });

  it('refuses an unknown stage', () => {
    expect(() => synthesizeApp({ bundle: false, context: { stage: 'staging' } })).toThrow(
      /stage.*dev or prod/,
    );
  });
});
