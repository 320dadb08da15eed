import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, inject, it } from 'vitest';
import { synthesizeApp } from '#sandbox/synthesize.ts';

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }
>;

/** The stateless template of the test run's synthesis (context as `npm test` gives it). */
function statelessTemplate() {
  const directory = inject('assemblyDirectory');
  return JSON.parse(readFileSync(join(directory, 'Tsq-dev-Stateless.template.json'), 'utf8')) as {
    Resources: Resources;
  };
}

function stageOf(resources: Resources) {
  const stages = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Stage');
  expect(stages).toHaveLength(1);
  return stages[0]?.[1] as Resources[string];
}

type Limits = { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };

describe('throttling per route class', () => {
  it('gives every route its own limits, the operator webhooks apart from the public routes', () => {
    // Prepare
    const { Resources: resources } = statelessTemplate();
    const routeKeys = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => String(r.Properties.RouteKey));

    // Act
    const settings = stageOf(resources).Properties.RouteSettings as Record<string, Limits>;

    // Assess: every route is named, so none draws on a shared stage bucket.
    expect(Object.keys(settings).sort()).toEqual([...routeKeys].sort());
    const operator = settings['POST /webhooks/complaints/{source}'];
    expect(operator).toEqual({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
    expect(settings['POST /invitations']).toEqual(operator);
    expect(settings['POST /cases/{caseId}/events']).toEqual(operator);
    expect(settings['POST /sms/inbound']).toEqual({
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
    expect(settings['GET /s/{token}']).toEqual({
      ThrottlingRateLimit: 300,
      ThrottlingBurstLimit: 600,
    });
    expect(settings['POST /s/{token}']).toEqual(settings['GET /s/{token}']);
    expect(settings['GET /reports']).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    expect(settings['GET /portal']).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
  });

  it('deploys the stage after the routes its settings name', () => {
    const { Resources: resources } = statelessTemplate();
    const routeIds = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map(([id]) => id);

    expect(stageOf(resources).DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('takes an operator’s own limits for one class from context, the others unchanged', () => {
    // Prepare / Act
    const { stateless } = synthesizeApp({
      bundle: false,
      context: { routeThrottles: '{"surveyPages":{"rate":50,"burst":80}}' },
    });
    const settings = Object.values(
      Template.fromStack(stateless).findResources('AWS::ApiGatewayV2::Stage'),
    )[0]?.Properties.RouteSettings as Record<string, Limits>;

    // Assess
    expect(settings['GET /s/{token}']).toEqual({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 80,
    });
    expect(settings['POST /invitations']).toEqual({
      ThrottlingRateLimit: 200,
      ThrottlingBurstLimit: 400,
    });
  });

  it.each([
    ['{"public":{"rate":10,"burst":20}}', /"public" is none of/],
    ['{"smsWebhook":{"rate":100,"burst":50}}', /rate ≤ burst/],
    ['{"smsWebhook":{"rate":0,"burst":5}}', /whole numbers/],
    ['{"smsWebhook":{"rate":20000,"burst":5000}}', /whole numbers/],
    ['[1]', /must be an object/],
  ])('refuses routeThrottles = %s at synthesis', (value, message) => {
    expect(() => synthesizeApp({ bundle: false, context: { routeThrottles: value } })).toThrow(
      message,
    );
  });
});
