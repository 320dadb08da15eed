import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { FUNCTION_AUTHENTICATED_ROUTES, PUBLIC_ROUTES } from '#infra/constructs/service-api.ts';

let stateful: Template;
let stateless: Template;
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function readTemplate(stackName: string) {
  const file = join(inject('assemblyDirectory'), `${stackName}.template.json`);
  return Template.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
}

function ofType(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The single resource of a type whose logical id starts with a name. */
function named(template: Template, type: string, name: string) {
  const found = Object.entries(ofType(template, type)).filter(([id]) => id.startsWith(name));
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0]?.[1].Properties ?? {};
}

/** How the stateful stack's templates refer to the data key's ARN. */
function dataKeyArn() {
  const keys = Object.keys(ofType(stateful, 'AWS::KMS::Key')).filter((id) =>
    id.startsWith('DataKey'),
  );
  expect(keys).toHaveLength(1);
  return { 'Fn::GetAtt': [keys[0], 'Arn'] };
}

const serviceNameOf = (fn: Resources[string]) =>
  (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables
    .POWERTOOLS_SERVICE_NAME;

/**
 * The logical id of the one function with this Powertools service name (`sms-sender`):
 * functions sit inside feature constructs, so their logical ids carry the feature's name.
 */
function functionId(serviceName: string): string {
  const found = Object.entries(ofType(stateless, 'AWS::Lambda::Function')).filter(
    ([, fn]) => serviceNameOf(fn) === serviceName,
  );
  expect(found, `function ${serviceName}`).toHaveLength(1);
  return found[0]?.[0] ?? '';
}

/** The Powertools service names of the project's functions (CDK's own have none). */
const projectServices = () =>
  Object.values(ofType(stateless, 'AWS::Lambda::Function'))
    .map(
      (fn) =>
        (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
          ?.Variables?.POWERTOOLS_SERVICE_NAME,
    )
    .filter((name): name is string => typeof name === 'string');

function functionNamed(serviceName: string) {
  return ofType(stateless, 'AWS::Lambda::Function')[functionId(serviceName)]?.Properties ?? {};
}

/** Every statement of the one policy attached to a function's role. */
function policyStatementsOf(serviceName: string) {
  const role = functionNamed(serviceName).Role as { 'Fn::GetAtt': [string, string] };
  const policies = Object.values(ofType(stateless, 'AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some(
      (attached) => JSON.stringify(attached) === JSON.stringify({ Ref: role['Fn::GetAtt'][0] }),
    ),
  );
  expect(policies, `the policy of ${serviceName}'s role`).toHaveLength(1);
  return policies.flatMap(
    (policy) =>
      (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
  );
}

/** The one event source mapping of a function whose source ARN names a stateful resource. */
function mappingOf(serviceName: string, source: string) {
  const fn = { Ref: functionId(serviceName) };
  const found = Object.values(ofType(stateless, 'AWS::Lambda::EventSourceMapping')).filter(
    (mapping) =>
      JSON.stringify(mapping.Properties.FunctionName) === JSON.stringify(fn) &&
      JSON.stringify(mapping.Properties.EventSourceArn).includes(source),
  );
  expect(found, `${serviceName} ← ${source}`).toHaveLength(1);
  return found[0]?.Properties ?? {};
}

/** The one route with this key (`PUT /reference/subscribers/{period}`). */
function route(routeKey: string) {
  const found = Object.values(ofType(stateless, 'AWS::ApiGatewayV2::Route')).filter(
    (candidate) => candidate.Properties.RouteKey === routeKey,
  );
  expect(found, routeKey).toHaveLength(1);
  return found[0]?.Properties ?? {};
}

const actionsOf = (statements: Record<string, unknown>[]) =>
  statements.flatMap((statement) => [statement.Action].flat() as string[]);

beforeAll(() => {
  expect(inject('synthesisError')).toBe('');
  stateful = readTemplate('Tsq-dev-Stateful');
  stateless = readTemplate('Tsq-dev-Stateless');
});

describe('stateful stack', () => {
  it('encrypts the complaints table with the data key, with PITR and TTL', () => {
    expect(named(stateful, 'AWS::DynamoDB::Table', 'ComplaintsTable')).toMatchObject({
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: dataKeyArn(),
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('indexes complaints by created month, first-resolved month and customer', () => {
    const table = named(stateful, 'AWS::DynamoDB::Table', 'ComplaintsTable');
    const indexes = (
      table.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown }[]
    ).map((index) => [index.IndexName, index.KeySchema]);
    expect(Object.fromEntries(indexes)).toEqual({
      byCreatedMonth: [
        { AttributeName: 'createdMonth', KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ],
      byFirstResolvedMonth: [
        { AttributeName: 'firstResolvedMonth', KeyType: 'HASH' },
        { AttributeName: 'firstResolvedAt', KeyType: 'RANGE' },
      ],
      byCustomer: [{ AttributeName: 'customerRef', KeyType: 'HASH' }],
    });
  });

  it('indexes follow-up cases by answered day with only what the report reads', () => {
    const table = named(stateful, 'AWS::DynamoDB::Table', 'SurveysTable');
    const index = (
      table.GlobalSecondaryIndexes as {
        IndexName: string;
        KeySchema: unknown;
        Projection: unknown;
      }[]
    ).find((entry) => entry.IndexName === 'casesByAnsweredDay');
    expect(index).toEqual({
      IndexName: 'casesByAnsweredDay',
      KeySchema: [{ AttributeName: 'answeredDay', KeyType: 'HASH' }],
      Projection: {
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: [
          'answeredAt',
          'firstContactedAt',
          'region',
          'service',
          'touchpoint',
          'channel',
        ],
      },
    });
  });

  it("aborts the reports bucket's multipart uploads left incomplete after a day", () => {
    // An extract part is a multipart upload: a build that dies mid-part leaves parts.
    expect(named(stateful, 'AWS::S3::Bucket', 'ReportsBucket')).toMatchObject({
      ObjectLockEnabled: true,
      LifecycleConfiguration: {
        Rules: [{ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }],
      },
    });
  });

  it('rotates the data key', () => {
    stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts every queue with KMS and refuses non-TLS access', () => {
    const queues = ofType(stateful, 'AWS::SQS::Queue');
    expect(Object.keys(queues).length).toBeGreaterThanOrEqual(2);
    for (const queue of Object.values(queues)) {
      expect(queue.Properties.KmsMasterKeyId).toBeDefined();
    }
    const policies = Object.values(ofType(stateful, 'AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(Object.keys(queues).length);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument).toMatchObject({
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      });
    }
  });

  it('dead-letters complaint events after at least five receives', () => {
    const queue = named(stateful, 'AWS::SQS::Queue', 'ComplaintEventsQueue');
    const redrive = queue.RedrivePolicy as {
      maxReceiveCount: number;
      deadLetterTargetArn: unknown;
    };
    expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(redrive.deadLetterTargetArn)).toContain('ComplaintEventsDeadLetterQueue');
  });

  it('keeps one secret per complaint source, encrypted with the data key', () => {
    const secrets = Object.entries(ofType(stateful, 'AWS::SecretsManager::Secret'))
      .filter(([id]) => id.startsWith('ComplaintSourceSecret'))
      .map(([, secret]) => secret);
    const context = JSON.parse(readFileSync('cdk.json', 'utf8')).context as {
      complaintSources: string[];
    };
    expect(secrets).toHaveLength(context.complaintSources.length);
    for (const secret of secrets) {
      expect(secret.Properties.KmsKeyId).toBeDefined();
      expect(secret.Properties.GenerateSecretString).toMatchObject({
        GenerateStringKey: 'current',
      });
    }
  });

  it('encrypts the alarm topic and lets CloudWatch use the key', () => {
    expect(named(stateful, 'AWS::SNS::Topic', 'AlarmTopic')).toMatchObject({
      KmsMasterKeyId: dataKeyArn(),
    });
    const key = named(stateful, 'AWS::KMS::Key', 'DataKey');
    type Statement = { Principal?: { Service?: unknown }; Action: unknown };
    const statements = (key.KeyPolicy as { Statement: Statement[] }).Statement;
    const forService = (service: string) =>
      statements.find((statement) => [statement.Principal?.Service].flat().includes(service));
    // CloudWatch alarms publish to the alarm topic; End User Messaging to the inbound SMS topic.
    for (const service of ['cloudwatch.amazonaws.com', 'sms-voice.amazonaws.com']) {
      expect(forService(service)?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    }
  });

  it('admits a service principal only for this account, to the data key and the inbound SMS topic', () => {
    type Statement = {
      Principal?: { Service?: unknown };
      Condition?: Record<string, Record<string, unknown>>;
    };
    const key = named(stateful, 'AWS::KMS::Key', 'DataKey');
    const topicPolicies = Object.values(ofType(stateful, 'AWS::SNS::TopicPolicy')).filter(
      (policy) => JSON.stringify(policy.Properties.Topics).includes('SmsInboundTopic'),
    );
    expect(topicPolicies).toHaveLength(1);
    const statements = [
      ...(key.KeyPolicy as { Statement: Statement[] }).Statement,
      ...((topicPolicies[0]?.Properties.PolicyDocument as { Statement: Statement[] } | undefined)
        ?.Statement ?? []),
    ].filter((statement) => statement.Principal?.Service !== undefined);
    expect(statements.length).toBeGreaterThanOrEqual(3);
    for (const statement of statements) {
      const service = String([statement.Principal?.Service].flat()[0]).split('.')[0];
      expect(statement.Condition?.StringEquals?.['aws:SourceAccount'], service).toEqual({
        Ref: 'AWS::AccountId',
      });
      expect(JSON.stringify(statement.Condition?.ArnLike?.['aws:SourceArn']), service).toContain(
        `:${service}:`,
      );
    }
  });
});

describe('stateless stack', () => {
  it('runs every function on Node.js 24, ARM64 (the PDF printer x86-64, for its Chromium), with JSON logs in its own log group', () => {
    const functions = Object.values(ofType(stateless, 'AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const fn of functions) {
      const service = JSON.stringify(fn.Properties.Environment);
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        // @sparticuz/chromium's npm package ships the x86-64 build of Chromium alone.
        Architectures: [
          service.includes('"POWERTOOLS_SERVICE_NAME":"report-pdf"') ? 'x86_64' : 'arm64',
        ],
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
      });
    }
    // One log group per function, and the API's access log.
    const groups = Object.values(ofType(stateless, 'AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(functions.length + 1);
    for (const group of groups) {
      expect(group.Properties.RetentionInDays).toBe(30);
    }
  });

  it('traces every function with X-Ray except those that run for every survey response', () => {
    // Per response, Lambda's own sampling (not settable) and start/report lines would cost
    // $0.6 a million of the $2.50 budget (docs/design.md §9); those functions keep metrics and logs.
    const perResponse = [
      'invitation-intake',
      'sms-sender',
      'survey-page',
      'response-aggregator',
      'sms-inbound',
      'sms-inbound-sns',
    ];
    for (const fn of Object.values(ofType(stateless, 'AWS::Lambda::Function'))) {
      const name = String(serviceNameOf(fn));
      const busy = perResponse.includes(name);
      expect(fn.Properties.TracingConfig, name).toEqual({
        Mode: busy ? 'PassThrough' : 'Active',
      });
      expect(
        (fn.Properties.LoggingConfig as { SystemLogLevel?: string }).SystemLogLevel,
        name,
      ).toBe(busy ? 'WARN' : undefined);
    }
    for (const name of perResponse) expect(functionId(name), name).not.toBe('');
  });

  it('reads webhook secrets through the Parameters and Secrets extension, cached five minutes', () => {
    const intake = functionNamed('complaint-intake');
    const [layer] = intake.Layers as [{ 'Fn::FindInMap': [string, unknown, string] }];
    const [mapping, , key] = layer['Fn::FindInMap'];
    const layerArns = (
      stateless.toJSON().Mappings as Record<string, Record<string, Record<string, string>>>
    )[mapping];
    expect(key).toMatch(/arm64$/);
    expect(layerArns?.['ap-east-1']?.[key]).toContain(
      'AWS-Parameters-and-Secrets-Lambda-Extension-Arm64',
    );
    expect((intake.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true',
      SECRETS_MANAGER_TTL: '300',
    });
  });

  it('gives queue visibility at least six times the processor timeout', () => {
    const processor = functionNamed('complaint-processor');
    const queue = named(stateful, 'AWS::SQS::Queue', 'ComplaintEventsQueue');
    expect(Number(queue.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * Number(processor.Timeout));
  });

  it('maps the complaint queue to the processor with partial batch responses', () => {
    expect(mappingOf('complaint-processor', 'ComplaintEventsQueue')).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
  });

  it('sends SMS from the surveys table stream (OUTBOX inserts only) with retries and a DLQ', () => {
    expect(named(stateful, 'AWS::DynamoDB::Table', 'SurveysTable')).toMatchObject({
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    const mapping = mappingOf('sms-sender', 'SurveysTable');
    expect(mapping).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      MaximumRetryAttempts: 5,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const filters =
      (mapping?.FilterCriteria as { Filters: { Pattern: string }[] } | undefined)?.Filters ?? [];
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: ['OUTBOX'] } } } },
    ]);
    expect(JSON.stringify(mapping?.DestinationConfig)).toContain('SmsDeadLetterQueue');
  });

  it('sends SMS at a bounded rate: a batch of ten per stream shard, two from the wake-up queue', () => {
    const senderMappings = Object.values(
      ofType(stateless, 'AWS::Lambda::EventSourceMapping'),
    ).filter(
      (mapping) =>
        JSON.stringify(mapping.Properties.FunctionName) ===
        JSON.stringify({ Ref: functionId('sms-sender') }),
    );
    const stream = mappingOf('sms-sender', 'SurveysTable');
    const wakeUp = mappingOf('sms-sender', 'SmsWakeUpQueue');
    expect(senderMappings).toHaveLength(2);
    // One batch at a time per shard: ParallelizationFactor absent means 1.
    expect(stream).toMatchObject({ BatchSize: 10 });
    expect(stream?.ParallelizationFactor ?? 1).toBe(1);
    expect(wakeUp).toMatchObject({ BatchSize: 10, ScalingConfig: { MaximumConcurrency: 2 } });
  });

  it('counts links becoming answered, in order, in batches that fit one transaction', () => {
    const mapping = mappingOf('response-aggregator', 'SurveysTable');
    expect(mapping).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 49,
      MaximumRetryAttempts: 5,
      BisectBatchOnFunctionError: false,
      ParallelizationFactor: 1,
    });
    expect(mapping).not.toHaveProperty('FunctionResponseTypes');
    const filters =
      (mapping?.FilterCriteria as { Filters: { Pattern: string }[] } | undefined)?.Filters ?? [];
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      {
        eventName: ['MODIFY'],
        dynamodb: {
          Keys: { sk: { S: ['TOKEN'] } },
          NewImage: { answeredAt: { S: [{ exists: true }] } },
          OldImage: { answeredAt: { S: [{ exists: false }] } },
        },
      },
      {
        eventName: ['INSERT'],
        dynamodb: { Keys: { sk: { S: ['TOKEN'] } }, NewImage: { channel: { S: ['web'] } } },
      },
      {
        eventName: ['MODIFY'],
        dynamodb: {
          Keys: { sk: { S: ['INVITATION'] } },
          NewImage: { status: { S: ['sent', 'unconfirmed'] } },
          OldImage: { status: { S: [{ 'anything-but': ['sent'] }] } },
        },
      },
    ]);
    expect(JSON.stringify(mapping?.DestinationConfig)).toContain('AggregationDeadLetterQueue');
  });

  it('counts complaint state changes, in order, from STATE items only, with retries and a DLQ', () => {
    expect(named(stateful, 'AWS::DynamoDB::Table', 'ComplaintsTable')).toMatchObject({
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    const mapping = mappingOf('complaint-aggregator', 'ComplaintsTable');
    expect(mapping).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumRetryAttempts: 5,
      BisectBatchOnFunctionError: false,
      ParallelizationFactor: 1,
    });
    expect(mapping).not.toHaveProperty('FunctionResponseTypes');
    const filters =
      (mapping?.FilterCriteria as { Filters: { Pattern: string }[] } | undefined)?.Filters ?? [];
    // Events never; a state's removal only when no service (the TTL) removed it.
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: ['STATE'] } } } },
      {
        eventName: ['REMOVE'],
        dynamodb: { Keys: { sk: { S: ['STATE'] } } },
        userIdentity: { principalId: [{ exists: false }] },
      },
    ]);
    expect(JSON.stringify(mapping?.DestinationConfig)).toContain(
      'ComplaintAggregationDeadLetterQueue',
    );
    // It writes the aggregates table only, and reads the complaints table by stream alone.
    const statements = policyStatementsOf('complaint-aggregator');
    const tableActions = statements.filter((statement) =>
      actionsOf([statement]).some((action) =>
        /^dynamodb:(Put|Update|Get|Delete)Item$/.test(action),
      ),
    );
    expect(tableActions).toHaveLength(1);
    expect(actionsOf(tableActions).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(JSON.stringify(tableActions[0]?.Resource)).toContain('AggregatesTable');
    expect(JSON.stringify(tableActions[0]?.Resource)).not.toContain('ComplaintsTable');
    expect(actionsOf(statements)).not.toContain('dynamodb:Query');
  });

  it('keeps aggregates in their own encrypted table, apart from personal data', () => {
    const table = named(stateful, 'AWS::DynamoDB::Table', 'AggregatesTable');
    expect(table).toMatchObject({
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(table).not.toHaveProperty('StreamSpecification');
    // The aggregator writes the aggregates table only; the surveys table it reads by stream.
    const writes = policyStatementsOf('response-aggregator').filter((statement) =>
      actionsOf([statement]).some((action) => /dynamodb:(Put|Update)Item/.test(action)),
    );
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]?.Resource)).toContain('AggregatesTable');
    expect(JSON.stringify(writes[0]?.Resource)).not.toContain('SurveysTable');
  });

  it('lets people in through a user pool with MFA required and the three groups', () => {
    expect(named(stateful, 'AWS::Cognito::UserPool', 'UserPool')).toMatchObject({
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    const groups = Object.values(ofType(stateful, 'AWS::Cognito::UserPoolGroup')).map(
      (group) => group.Properties.GroupName,
    );
    expect(groups.sort()).toEqual(['admins', 'assessors', 'regulators']);
    expect(route('PUT /reference/subscribers/{period}').AuthorizationType).toBe('JWT');
    const authorizers = Object.values(ofType(stateless, 'AWS::ApiGatewayV2::Authorizer'));
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]?.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    expect(JSON.stringify(authorizers[0]?.Properties.JwtConfiguration)).toContain('UserPool');
  });

  it('answers a survey link with one conditional update: no transaction, no query', () => {
    const actions = actionsOf(policyStatementsOf('survey-page'));
    expect(actions.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    ]);
  });

  it('gives the invitation intake no queue and no delete: one transaction creates everything', () => {
    const actions = actionsOf(policyStatementsOf('invitation-intake'));
    expect(actions.filter((action) => action.startsWith('sqs:'))).toEqual([]);
    expect(actions).not.toContain('dynamodb:DeleteItem');
    expect(actions).not.toContain('dynamodb:Scan');
  });

  it('attaches no AWS-managed policy to any role', () => {
    const roles = Object.values(ofType(stateless, 'AWS::IAM::Role'));
    // A role per function, the report schedules' role, the reminder schedule's and the
    // missed-schedule check's.
    expect(roles).toHaveLength(Object.keys(ofType(stateless, 'AWS::Lambda::Function')).length + 3);
    for (const role of roles) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('lets the intake send to its queue and read source secrets, and nothing else', () => {
    const actions = actionsOf(policyStatementsOf('complaint-intake'));
    expect(actions).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 'secretsmanager:GetSecretValue']),
    );
    expect(actions.filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
    expect(actions).not.toContain('sqs:ReceiveMessage');
    expect(actions.some((action) => action.endsWith(':*'))).toBe(false);
  });

  it('lets the processor read and write complaints and consume its queue, and nothing else', () => {
    const statements = policyStatementsOf('complaint-processor');
    const actions = actionsOf(statements);
    expect(actions.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(actions).not.toContain('sqs:SendMessage');
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
    const dynamoStatement = statements.find((s) => actionsOf([s]).includes('dynamodb:PutItem'));
    expect(JSON.stringify(dynamoStatement?.Resource)).not.toContain('*');
  });

  it('lets the reports API put audit entries into the reports table, and nothing else there', () => {
    const statements = policyStatementsOf('reports-api');
    const writes = statements.filter((statement) =>
      actionsOf([statement]).some((action) =>
        /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(action),
      ),
    );
    expect(writes).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:PutItem',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
      }),
    ]);
    expect(actionsOf(statements)).toContain('s3:GetObjectVersion');
  });

  it('lets every function use the data key only through an AWS service (kms:ViaService)', () => {
    const keyUse = /^kms:(Decrypt|Encrypt|ReEncrypt|GenerateDataKey)/;
    const services = projectServices();
    expect(services.length).toBeGreaterThan(10);
    let checked = 0;
    for (const service of services) {
      for (const statement of policyStatementsOf(service)) {
        if (!actionsOf([statement]).some((action) => keyUse.test(action))) continue;
        checked += 1;
        const condition = statement.Condition as
          | { StringEquals?: Record<string, unknown> }
          | undefined;
        expect(condition?.StringEquals?.['kms:ViaService'], service).toBeDefined();
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('publishes to "*" (a phone number has no ARN) only from the two functions that send SMS', () => {
    const publishers = projectServices().filter((name) =>
      policyStatementsOf(name).some(
        (statement) => actionsOf([statement]).includes('sns:Publish') && statement.Resource === '*',
      ),
    );
    expect(publishers.sort()).toEqual(['sms-inbound-sns', 'sms-sender']);
  });

  it("gives both inbound SMS paths the deployment's own numbers, from the context", () => {
    const context = JSON.parse(readFileSync('cdk.json', 'utf8')).context as {
      smsNumbers: string[];
    };
    for (const service of ['sms-inbound', 'sms-inbound-sns']) {
      const variables = (
        functionNamed(service).Environment as { Variables: Record<string, string> }
      ).Variables;
      expect(JSON.parse(variables.SMS_NUMBERS ?? '[]'), service).toEqual(context.smsNumbers);
    }
  });

  it('authenticates every route: a JWT authorizer, or a signature checked by the function', () => {
    const routes = Object.values(ofType(stateless, 'AWS::ApiGatewayV2::Route'));
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      const key = String(route.Properties.RouteKey);
      if (route.Properties.AuthorizationType === 'JWT') continue;
      expect([...FUNCTION_AUTHENTICATED_ROUTES, ...PUBLIC_ROUTES] as string[]).toContain(key);
    }
    expect(route('POST /webhooks/complaints/{source}').AuthorizationType).toBe('NONE');
  });

  it('logs API access without client IPs and throttles any route without limits of its own', () => {
    const stage = named(stateless, 'AWS::ApiGatewayV2::Stage', 'DefaultStage');
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
      AccessLogSettings: { DestinationArn: expect.anything() },
    });
    const format = String((stage.AccessLogSettings as { Format: string }).Format);
    expect(format).toContain('$context.requestId');
    expect(format).not.toContain('sourceIp');
  });

  it('alarms on dead-letter messages, function errors and throttles, and API 5xx', () => {
    const alarms = Object.values(ofType(stateless, 'AWS::CloudWatch::Alarm'));
    const metrics = alarms.map((alarm) => String(alarm.Properties.MetricName));
    expect(metrics).toEqual(
      expect.arrayContaining(['ApproximateNumberOfMessagesVisible', 'Errors', 'Throttles', '5xx']),
    );
    const functions = Object.keys(ofType(stateless, 'AWS::Lambda::Function'));
    expect(metrics.filter((metric) => metric === 'Errors')).toHaveLength(functions.length);
    const deadLetterQueues = Object.keys(ofType(stateful, 'AWS::SQS::Queue')).filter((id) =>
      id.includes('DeadLetterQueue'),
    );
    expect(deadLetterQueues.length).toBeGreaterThan(0);
    expect(
      metrics.filter((metric) => metric === 'ApproximateNumberOfMessagesVisible'),
    ).toHaveLength(deadLetterQueues.length);
    for (const alarm of alarms) {
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('AlarmTopic');
    }
    expect(Object.keys(ofType(stateless, 'AWS::CloudWatch::Dashboard'))).toHaveLength(1);
  });

  it('alarms on any SMS left unconfirmed, from the metric the SMS sender emits', () => {
    const unconfirmed = Object.values(ofType(stateless, 'AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.MetricName === 'smsUnconfirmed',
    );
    expect(unconfirmed).toHaveLength(1);
    expect(unconfirmed[0]?.Properties).toMatchObject({
      Namespace: 'TelecomServiceQuality',
      Dimensions: [{ Name: 'service', Value: 'sms-sender' }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // The lease is longer than the sender's time limit: a live sender is never overtaken.
    const sender = functionNamed('sms-sender');
    const { Variables } = sender.Environment as { Variables: Record<string, string> };
    expect(Number(Variables.SMS_CLAIM_LEASE_SECONDS)).toBeGreaterThan(Number(sender.Timeout));
  });
});
