import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesizeApp } from '#sandbox/synthesize.ts';

const importedArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tickets-webhook-AbCdEf';

describe('follow-up cases in the stacks', () => {
  // Synthesis fails on any unacknowledged cdk-nag finding, endpoints included.
  const { stateful, stateless } = synthesizeApp({
    bundle: false,
    context: {
      followUpEndpoints: [
        { name: 'ticketing', url: 'https://tickets.operator.example/hooks' },
        { name: 'crm', url: 'https://crm.operator.example/hooks', secretArn: importedArn },
      ],
    },
  });
  const statefulTemplate = Template.fromStack(stateful);
  const statelessTemplate = Template.fromStack(stateless);

  it('makes a secret for an endpoint without one, and signs with the one an endpoint names', () => {
    // Assess
    statefulTemplate.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('follow-up endpoint "ticketing"'),
    });
    expect(
      Object.values(statefulTemplate.findResources('AWS::SecretsManager::Secret')).filter(
        (secret) => JSON.stringify(secret).includes('follow-up endpoint'),
      ),
    ).toHaveLength(1);
    const delivery = Object.values(statelessTemplate.findResources('AWS::Lambda::Function')).find(
      (fn) => JSON.stringify(fn.Properties.Environment).includes('CASE_ENDPOINT_SECRETS'),
    );
    expect(JSON.stringify(delivery?.Properties.Environment)).toContain(importedArn);
  });

  it('retries deliveries from a queue that dead-letters after the schedule, two at a time', () => {
    // Assess
    statefulTemplate.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 10 }),
      VisibilityTimeout: 180,
    });
    statelessTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 5,
    });
  });

  it('delivers as many at once as the operator sets for its receivers, and refuses a cap SQS has not', () => {
    // Act
    const national = Template.fromStack(
      synthesizeApp({ bundle: false, context: { caseDeliveryConcurrency: '40' } }).stateless,
    );

    // Assess
    national.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 40 },
      BatchSize: 5,
    });
    for (const value of ['1', '1001', '2.5', 'many']) {
      expect(() =>
        synthesizeApp({ bundle: false, context: { caseDeliveryConcurrency: value } }),
      ).toThrow('context "caseDeliveryConcurrency" must be a whole number from 2 to 1000');
    }
  });

  it('reads only answers that meet the default rule from the stream: three filters', () => {
    // Assess
    const mappings = Object.values(
      statelessTemplate.findResources('AWS::Lambda::EventSourceMapping'),
    ).filter((mapping) => JSON.stringify(mapping).includes('"comment'));
    expect(mappings).toHaveLength(1);
    const filters = mappings[0]?.Properties.FilterCriteria.Filters as { Pattern: string }[];
    expect(filters).toHaveLength(3);
    for (const { Pattern } of filters) {
      expect(JSON.parse(Pattern)).toMatchObject({
        eventName: ['MODIFY'],
        dynamodb: { Keys: { sk: { S: ['TOKEN'] } } },
      });
    }
  });

  it('fails synthesis for an endpoint that is not https or names a private address', () => {
    // Act and Assess
    for (const url of ['http://tickets.operator.example/hooks', 'https://10.1.2.3/hooks']) {
      expect(() =>
        synthesizeApp({
          bundle: false,
          context: { followUpEndpoints: [{ name: 'ticketing', url }] },
        }),
      ).toThrow(/follow-up endpoint "ticketing"/);
    }
  });
});
