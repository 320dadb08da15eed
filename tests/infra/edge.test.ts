import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { synthesizeApp } from '#sandbox/synthesize.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
const CERTIFICATE =
  'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';

/** The edge needs the deployment's region at synthesis, as the CDK CLI gives it. */
const region = process.env.CDK_DEFAULT_REGION;
beforeAll(() => {
  process.env.CDK_DEFAULT_REGION = 'ap-east-1';
});
afterAll(() => {
  if (region === undefined) delete process.env.CDK_DEFAULT_REGION;
  else process.env.CDK_DEFAULT_REGION = region;
});

function ofType(template: Template, type: string): Resource[] {
  return Object.values(template.findResources(type)) as Resource[];
}

/** Each project function's environment, by Powertools service name. */
function environments(template: Template): Map<string, Record<string, unknown>> {
  return new Map(
    ofType(template, 'AWS::Lambda::Function')
      .map(
        (fn) => (fn.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables,
      )
      .filter((variables) => typeof variables?.POWERTOOLS_SERVICE_NAME === 'string')
      .map((variables) => [String(variables?.POWERTOOLS_SERVICE_NAME), variables ?? {}]),
  );
}

const PUBLIC_ROUTE_FUNCTIONS = ['survey-page', 'sms-inbound', 'portal'];

describe('the edge, with its keys off (the test run’s assembly)', () => {
  it('makes no distribution, no web ACL and no origin secret, and asks no function for one', () => {
    // Prepare
    const directory = inject('assemblyDirectory');
    const templates = readdirSync(directory)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => readFileSync(join(directory, file), 'utf8'));

    // Assess
    expect(templates).toHaveLength(2);
    for (const text of templates) {
      expect(text).not.toMatch(/AWS::CloudFront::|AWS::WAFv2::|EdgeOriginSecret|EDGE_ORIGIN/);
    }
  });
});

describe('the edge, turned on with the operator’s domain and limits', () => {
  let created: ReturnType<typeof synthesizeApp>;
  let stateless: Template;
  let acl: Template;
  beforeAll(() => {
    created = synthesizeApp({
      bundle: false,
      context: {
        edge: 'true',
        edgeDomain: 'surveys.operator.example',
        edgeCertificateArn: CERTIFICATE,
        edgeRateLimits: '{"surveyPages":900}',
      },
    });
    stateless = Template.fromStack(created.stateless);
    if (!created.edgeAcl) throw new Error('no edge ACL stack');
    acl = Template.fromStack(created.edgeAcl);
    // Synthesis of three stacks and their cdk-nag checks, on a machine shared with others.
  }, 120_000);

  it('puts the web ACL in us-east-1, where CloudFront takes one, and attaches it', () => {
    expect(created.edgeAcl?.region).toBe('us-east-1');
    acl.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    const [distribution] = ofType(stateless, 'AWS::CloudFront::Distribution');
    const config = distribution?.Properties.DistributionConfig as Record<string, unknown>;
    // The ARN comes from the ACL's stack by CDK's cross-region reference.
    expect(JSON.stringify(config.WebACLId)).toMatch(/\/cdk\/exports\/.*WebAclArn/);
    expect(JSON.stringify(acl.toJSON())).toMatch(/Custom::CrossRegionExportWriter/);
  });

  it('limits each client IP on the public paths alone, with the configured limits', () => {
    const [webAcl] = ofType(acl, 'AWS::WAFv2::WebACL');
    const rules = webAcl?.Properties.Rules as {
      Name: string;
      Action?: unknown;
      OverrideAction?: unknown;
      Statement: {
        RateBasedStatement?: {
          Limit: number;
          AggregateKeyType: string;
          EvaluationWindowSec: number;
          ScopeDownStatement: {
            ByteMatchStatement: { SearchString: string; PositionalConstraint: string };
          };
        };
        ManagedRuleGroupStatement?: { Name: string };
      };
    }[];
    const rate = Object.fromEntries(
      rules
        .filter((rule) => rule.Statement.RateBasedStatement)
        .map((rule) => {
          const statement = rule.Statement.RateBasedStatement;
          const match = statement?.ScopeDownStatement.ByteMatchStatement;
          expect(rule.Action).toEqual({ Block: {} });
          expect(statement?.AggregateKeyType).toBe('IP');
          expect(statement?.EvaluationWindowSec).toBe(300);
          return [`${match?.PositionalConstraint} ${match?.SearchString}`, statement?.Limit];
        }),
    );
    expect(rate).toEqual({
      'STARTS_WITH /s/': 900,
      'EXACTLY /sms/inbound': 30_000,
      'STARTS_WITH /portal': 1_500,
    });
    const common = rules.find(
      (rule) => rule.Statement.ManagedRuleGroupStatement?.Name === 'AWSManagedRulesCommonRuleSet',
    );
    expect(common?.OverrideAction).toEqual({ Count: {} });
  });

  it('passes every request to the HTTP API uncached, with the header the functions require', () => {
    const [distribution] = ofType(stateless, 'AWS::CloudFront::Distribution');
    const config = distribution?.Properties.DistributionConfig as {
      Origins: {
        DomainName: unknown;
        CustomOriginConfig: Record<string, unknown>;
        OriginCustomHeaders: { HeaderName: string; HeaderValue: unknown }[];
      }[];
      DefaultCacheBehavior: Record<string, unknown>;
      Aliases: string[];
      ViewerCertificate: Record<string, unknown>;
      Logging: { Bucket: unknown };
    };
    const [origin] = config.Origins;
    const [apiId] = Object.keys(stateless.findResources('AWS::ApiGatewayV2::Api'));
    expect(JSON.stringify(origin?.DomainName)).toContain(`{"Ref":"${apiId}"},".execute-api.`);
    expect(origin?.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    expect(origin?.OriginCustomHeaders.map((header) => header.HeaderName)).toEqual([
      'x-origin-verify',
    ]);
    // Resolved by CloudFormation from the secret: the template holds no value.
    expect(JSON.stringify(origin?.OriginCustomHeaders[0]?.HeaderValue)).toMatch(
      /\{\{resolve:secretsmanager:.*EdgeOriginSecret.*:SecretString:current::\}\}/,
    );
    expect(config.DefaultCacheBehavior).toMatchObject({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      AllowedMethods: expect.arrayContaining(['GET', 'POST']),
    });
    expect(config.Aliases).toEqual(['surveys.operator.example']);
    expect(config.ViewerCertificate).toMatchObject({
      AcmCertificateArn: CERTIFICATE,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    // Access logs to an encrypted bucket that forgets them after 30 days (client IPs).
    const [bucketId] = JSON.stringify(config.Logging.Bucket).match(/EdgeAccessLogsBucket\w+/) ?? [];
    const bucket = stateless.toJSON().Resources[bucketId ?? ''] as Resource;
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 30, Status: 'Enabled' }] },
    });
  });

  it('makes the public routes’ functions refuse requests sent around the edge, and no other', () => {
    const variables = environments(stateless);
    for (const [service, environment] of variables) {
      const arn = JSON.stringify(environment.EDGE_ORIGIN_SECRET_ARN);
      if (PUBLIC_ROUTE_FUNCTIONS.includes(service)) {
        expect(arn, service).toMatch(/EdgeOriginSecret/);
      } else {
        expect(environment.EDGE_ORIGIN_SECRET_ARN, service).toBeUndefined();
      }
    }
    // And each of the three may read it.
    const readers = ofType(stateless, 'AWS::IAM::Policy').filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).match(
        /secretsmanager:GetSecretValue.*EdgeOriginSecret/,
      ),
    );
    expect(readers).toHaveLength(PUBLIC_ROUTE_FUNCTIONS.length);
  });

  it('builds survey links, the SMS webhook’s signed URL and the portal’s on the edge domain', () => {
    const variables = environments(stateless);
    expect(variables.get('sms-inbound')?.SMS_INBOUND_URL).toBe(
      'https://surveys.operator.example/sms/inbound',
    );
    expect(variables.get('invitation-intake')?.SURVEY_BASE_URL).toBe(
      'https://surveys.operator.example',
    );
    expect(variables.get('portal')?.PUBLIC_BASE_URL).toBe('https://surveys.operator.example');
    stateless.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: ['https://surveys.operator.example/portal/callback'],
    });
  });

  it('passes cdk-nag and cfn-lint on every template it produces', () => {
    // Synthesis ran the AwsSolutions checks: an unacknowledged finding would have thrown.
    const directory = created.assembly.directory;
    const report = JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
    const templates = readdirSync(directory)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => join(directory, file));
    expect(templates).toHaveLength(3);

    const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', ...templates], {
      encoding: 'utf8',
    });

    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('the edge, turned on without a domain', () => {
  it('serves on the distribution’s own name, and says why its TLS minimum is CloudFront’s', () => {
    // Prepare / Act
    const { stateless, edgeAcl, assembly } = synthesizeApp({
      bundle: false,
      context: { edge: 'true', edgeCommonRules: 'block' },
    });
    const template = Template.fromStack(stateless);

    // Assess
    const [distributionId] = Object.keys(template.findResources('AWS::CloudFront::Distribution'));
    const onEdge = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]],
    };
    expect(environments(template).get('invitation-intake')?.SURVEY_BASE_URL).toEqual(onEdge);
    expect(environments(template).get('sms-inbound')?.SMS_INBOUND_URL).toEqual({
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/sms/inbound'],
      ],
    });
    const metadata = readFileSync(
      join(assembly.directory, `${stateless.artifactId}.metadata.json`),
      'utf8',
    );
    expect(metadata).toMatch(/AwsSolutions-CFR4/);
    // edgeCommonRules=block: the managed rule group's own actions apply.
    if (!edgeAcl) throw new Error('no edge ACL stack');
    const [webAcl] = ofType(Template.fromStack(edgeAcl), 'AWS::WAFv2::WebACL');
    expect(JSON.stringify(webAcl?.Properties.Rules)).toContain('"OverrideAction":{"None":{}}');
  });
});

describe('edge settings', () => {
  it.each([
    [{ edgeDomain: 'surveys.operator.example' }, /needs "edge" set to true/],
    [{ edge: 'yes' }, /"edge" must be true or false/],
    [{ edge: 'true', edgeDomain: 'surveys.operator.example' }, /both or neither/],
    [
      {
        edge: 'true',
        edgeDomain: 'surveys.operator.example',
        edgeCertificateArn: CERTIFICATE.replace('us-east-1', 'ap-east-1'),
      },
      /in us-east-1/,
    ],
    [
      { edge: 'true', edgeDomain: 'https://s.example', edgeCertificateArn: CERTIFICATE },
      /host name/,
    ],
    [{ edge: 'true', edgeRateLimits: '{"operatorWebhooks":100}' }, /is none of/],
    [{ edge: 'true', edgeRateLimits: '{"surveyPages":5}' }, /whole number from 10/],
    [{ edge: 'true', edgeCommonRules: 'off' }, /count or block/],
  ])('refuses %j at synthesis', (context, message) => {
    expect(() => synthesizeApp({ bundle: false, context })).toThrow(message);
  });

  it('refuses the edge when the region is unknown at synthesis', () => {
    delete process.env.CDK_DEFAULT_REGION;
    try {
      expect(() => synthesizeApp({ bundle: false, context: { edge: 'true' } })).toThrow(
        /needs the deployment's region/,
      );
    } finally {
      process.env.CDK_DEFAULT_REGION = 'ap-east-1';
    }
  });
});
