import { randomBytes } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalSchedule } from '../triggers/schedules.ts';
import { type AssemblyStack, readCloudAssembly, type TemplateResource } from './cloud-assembly.ts';
import {
  type ResolutionContext,
  resolveString,
  resolveValue,
  UnresolvableValueError,
} from './intrinsics.ts';

/** Where the emulator is and how to talk to it. */
export interface EmulatorTarget {
  endpoint: string;
  region: string;
}

/** A Lambda function of the template, ready to run from its bundled asset. */
export interface LocalFunction {
  stackName: string;
  logicalId: string;
  functionName: string;
  functionArn: string;
  assetDirectory: string;
  handler: string;
  timeoutSeconds: number;
  memorySize: number;
  /** The template's environment, resolved; or the first variable that could not be. */
  environment: Record<string, string>;
  /** X-Ray: `Active` samples and records traces of its own; `PassThrough` only continues one. */
  tracing: 'Active' | 'PassThrough';
  /** Whether Lambda writes its platform lines (start, report) to the function's log group. */
  platformLogs: boolean;
}

/** An SQS event source mapping of the template. */
export interface LocalQueueMapping {
  functionArn: string;
  queueArn: string;
  queueUrl: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  /** ScalingConfig's MaximumConcurrency: batches of the queue in flight at most, if set. */
  maximumConcurrency: number | undefined;
}

/** A DynamoDB stream event source mapping of the template. */
export interface LocalStreamMapping {
  functionArn: string;
  streamArn: string;
  batchSize: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** FilterCriteria patterns (event filtering); a record passes when any matches. */
  filterPatterns: unknown[];
  /** Retries of a failing batch before it goes to the failure destination (-1: forever). */
  maximumRetryAttempts: number;
  bisectOnError: boolean;
  reportBatchItemFailures: boolean;
  /** SQS queue URL that receives a failed batch's description, if any. */
  onFailureQueueUrl: string | undefined;
}

/** An HTTP API route of the template and the function behind it. */
export interface LocalRoute {
  /** `POST /webhooks/complaints/{source}`, or `$default`. */
  routeKey: string;
  functionArn: string;
  authorizationType: string;
  /** For JWT routes: the authorizer's issuer and audiences. */
  jwt?: { issuer: string; audience: string[] };
}

/** Everything the sandbox and the tests need to know about what was provisioned. */
export interface ProvisionedApp {
  target: EmulatorTarget;
  accountId: string;
  stacks: { stack: AssemblyStack; context: ResolutionContext }[];
  /** Secret ARN → the local value seeded for it. */
  secretValues: Map<string, string>;
  functions: LocalFunction[];
  queueMappings: LocalQueueMapping[];
  streamMappings: LocalStreamMapping[];
  routes: LocalRoute[];
  /** The HTTP API stage's access log format, when it logs each request. */
  accessLogFormat?: string;
  /** The user pools, for the sandbox's people: pool id, its groups, its app clients. */
  userPools: { poolId: string; groups: string[]; clientIds: string[] }[];
  /** EventBridge Scheduler schedules, which the sandbox fires itself. */
  schedules: LocalSchedule[];
}

/** The account that moto answers for. */
const EMULATOR_ACCOUNT = '123456789012';

/** Static credentials for the emulator, which accepts any. */
export const emulatorCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Creates in the emulator every resource of the synthesized stacks that functions touch
 * (KMS keys, queues with redrive, tables with indexes and TTL, secrets, topics), with the
 * template's own properties, and reads the functions and event source mappings. Names
 * start with `namePrefix`, so several sandboxes or test files can share one emulator.
 */
export async function provisionCloudAssembly(options: {
  assemblyDirectory: string;
  target: EmulatorTarget;
  namePrefix: string;
  /** Where the HTTP API is served locally: the API's `ApiEndpoint`. */
  httpApiUrl?: string;
}): Promise<ProvisionedApp> {
  const { target, namePrefix } = options;
  const clientConfig = {
    endpoint: target.endpoint,
    region: target.region,
    credentials: emulatorCredentials,
  };
  const clients = {
    dynamodb: new DynamoDBClient(clientConfig),
    kms: new KMSClient(clientConfig),
    cognito: new CognitoIdentityProviderClient(clientConfig),
    // Path-style: bucket names as hosts do not resolve on 127.0.0.1.
    s3: new S3Client({ ...clientConfig, forcePathStyle: true }),
    secrets: new SecretsManagerClient(clientConfig),
    sns: new SNSClient(clientConfig),
    sqs: new SQSClient(clientConfig),
  };
  const exports = new Map<string, string>();
  const provisioned: ProvisionedApp = {
    target,
    accountId: EMULATOR_ACCOUNT,
    stacks: [],
    secretValues: new Map(),
    functions: [],
    queueMappings: [],
    streamMappings: [],
    routes: [],
    userPools: [],
    schedules: [],
  };

  try {
    for (const stack of readCloudAssembly(options.assemblyDirectory)) {
      const context: ResolutionContext = {
        stackName: stack.stackName,
        region: target.region,
        accountId: EMULATOR_ACCOUNT,
        refs: new Map(),
        attributes: new Map(),
        exports,
      };
      const physicalName = (logicalId: string) =>
        `${namePrefix}-${logicalId}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 80);
      const arn = (service: string, resource: string) =>
        `arn:aws:${service}:${target.region}:${EMULATOR_ACCOUNT}:${resource}`;

      for (const [logicalId, resource] of dependencyOrder(stack.template.Resources)) {
        const props = (resource.Properties ?? {}) as Record<string, unknown>;
        const name = physicalName(logicalId);
        switch (resource.Type) {
          case 'AWS::KMS::Key': {
            const { KeyMetadata } = await clients.kms.send(
              new CreateKeyCommand({
                Description: props.Description as string | undefined,
                KeySpec: props.KeySpec as never,
                KeyUsage: props.KeyUsage as never,
              }),
            );
            context.refs.set(logicalId, KeyMetadata?.KeyId ?? '');
            context.attributes.set(`${logicalId}.Arn`, KeyMetadata?.Arn ?? '');
            context.attributes.set(`${logicalId}.KeyId`, KeyMetadata?.KeyId ?? '');
            break;
          }
          case 'AWS::SQS::Queue': {
            const attributes = queueAttributes(props, context);
            const { QueueUrl } = await clients.sqs.send(
              new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
            );
            const queueUrl = QueueUrl ?? '';
            const { Attributes } = await clients.sqs.send(
              new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
            );
            context.refs.set(logicalId, queueUrl);
            context.attributes.set(`${logicalId}.Arn`, Attributes?.QueueArn ?? '');
            context.attributes.set(`${logicalId}.QueueUrl`, queueUrl);
            context.attributes.set(`${logicalId}.QueueName`, name);
            break;
          }
          case 'AWS::DynamoDB::Table': {
            const { TableDescription } = await clients.dynamodb.send(
              new CreateTableCommand(tableInput(name, props, context)),
            );
            if (TableDescription?.LatestStreamArn) {
              context.attributes.set(`${logicalId}.StreamArn`, TableDescription.LatestStreamArn);
            }
            const ttl = props.TimeToLiveSpecification as
              | { AttributeName?: string; Enabled?: boolean }
              | undefined;
            if (ttl?.Enabled && ttl.AttributeName) {
              await clients.dynamodb.send(
                new UpdateTimeToLiveCommand({
                  TableName: name,
                  TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
                }),
              );
            }
            const pitr = props.PointInTimeRecoverySpecification as
              | { PointInTimeRecoveryEnabled?: boolean }
              | undefined;
            if (pitr?.PointInTimeRecoveryEnabled) {
              await clients.dynamodb.send(
                new UpdateContinuousBackupsCommand({
                  TableName: name,
                  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
                }),
              );
            }
            context.refs.set(logicalId, name);
            context.attributes.set(`${logicalId}.Arn`, arn('dynamodb', `table/${name}`));
            break;
          }
          case 'AWS::SecretsManager::Secret': {
            const value = seedSecretValue(props);
            const kmsKeyId = props.KmsKeyId ? resolveString(props.KmsKeyId, context) : undefined;
            const { ARN } = await clients.secrets.send(
              new CreateSecretCommand({
                Name: name,
                Description: props.Description as string | undefined,
                SecretString: value,
                KmsKeyId: kmsKeyId,
              }),
            );
            provisioned.secretValues.set(ARN ?? '', value);
            context.refs.set(logicalId, ARN ?? '');
            break;
          }
          case 'AWS::SNS::Topic': {
            const { TopicArn } = await clients.sns.send(
              new CreateTopicCommand({
                Name: name,
                Attributes: props.KmsMasterKeyId
                  ? { KmsMasterKeyId: resolveString(props.KmsMasterKeyId, context) }
                  : {},
              }),
            );
            context.refs.set(logicalId, TopicArn ?? '');
            context.attributes.set(`${logicalId}.TopicArn`, TopicArn ?? '');
            context.attributes.set(`${logicalId}.TopicName`, name);
            break;
          }
          case 'AWS::S3::Bucket': {
            const bucket = `${namePrefix}-${logicalId}`
              .toLowerCase()
              .replace(/[^a-z0-9-]/g, '')
              .slice(0, 63);
            await createBucket(clients.s3, bucket, resolveValue(props, context) as BucketProps);
            context.refs.set(logicalId, bucket);
            context.attributes.set(`${logicalId}.Arn`, `arn:aws:s3:::${bucket}`);
            context.attributes.set(`${logicalId}.DomainName`, `${bucket}.s3.amazonaws.com`);
            break;
          }
          case 'AWS::Cognito::UserPool': {
            const { UserPool } = await clients.cognito.send(
              new CreateUserPoolCommand({
                PoolName: name,
                MfaConfiguration: props.MfaConfiguration as never,
                UsernameAttributes: props.UsernameAttributes as never,
                AdminCreateUserConfig: resolveValue(
                  props.AdminCreateUserConfig ?? {},
                  context,
                ) as never,
                Policies: resolveValue(props.Policies ?? {}, context) as never,
              }),
            );
            const poolId = UserPool?.Id ?? '';
            // CloudFormation's EnabledMfas: moto takes the TOTP factor by its own call.
            if ((props.EnabledMfas as string[] | undefined)?.includes('SOFTWARE_TOKEN_MFA')) {
              await clients.cognito.send(
                new SetUserPoolMfaConfigCommand({
                  UserPoolId: poolId,
                  MfaConfiguration: props.MfaConfiguration as never,
                  SoftwareTokenMfaConfiguration: { Enabled: true },
                }),
              );
            }
            provisioned.userPools.push({ poolId, groups: [], clientIds: [] });
            context.refs.set(logicalId, poolId);
            context.attributes.set(`${logicalId}.Arn`, UserPool?.Arn ?? '');
            context.attributes.set(
              `${logicalId}.ProviderName`,
              `cognito-idp.${target.region}.amazonaws.com/${poolId}`,
            );
            context.attributes.set(
              `${logicalId}.ProviderURL`,
              `https://cognito-idp.${target.region}.amazonaws.com/${poolId}`,
            );
            break;
          }
          case 'AWS::Cognito::UserPoolGroup': {
            const poolId = resolveString(props.UserPoolId, context);
            const groupName = resolveString(props.GroupName, context);
            await clients.cognito.send(
              new CreateGroupCommand({ UserPoolId: poolId, GroupName: groupName }),
            );
            provisioned.userPools.find((pool) => pool.poolId === poolId)?.groups.push(groupName);
            context.refs.set(logicalId, groupName);
            break;
          }
          case 'AWS::Cognito::UserPoolClient': {
            const poolId = resolveString(props.UserPoolId, context);
            const { UserPoolClient } = await clients.cognito.send(
              new CreateUserPoolClientCommand({
                UserPoolId: poolId,
                ClientName: name,
                ...(resolveValue(
                  pick(props, [
                    'ExplicitAuthFlows',
                    'GenerateSecret',
                    'AllowedOAuthFlows',
                    'AllowedOAuthFlowsUserPoolClient',
                    'AllowedOAuthScopes',
                    'CallbackURLs',
                    'LogoutURLs',
                    'SupportedIdentityProviders',
                    'EnableTokenRevocation',
                  ]),
                  context,
                ) as object),
              }),
            );
            const clientId = UserPoolClient?.ClientId ?? '';
            provisioned.userPools.find((pool) => pool.poolId === poolId)?.clientIds.push(clientId);
            context.refs.set(logicalId, clientId);
            context.attributes.set(`${logicalId}.ClientId`, clientId);
            break;
          }
          case 'AWS::Scheduler::Schedule': {
            const schedule = resolveValue(props, context) as {
              ScheduleExpression?: string;
              ScheduleExpressionTimezone?: string;
              State?: string;
              Target?: { Arn?: string; Input?: string };
            };
            if (schedule.State !== 'DISABLED') {
              provisioned.schedules.push({
                name,
                expression: schedule.ScheduleExpression ?? '',
                timeZone: schedule.ScheduleExpressionTimezone ?? 'UTC',
                targetArn: schedule.Target?.Arn ?? '',
                input: schedule.Target?.Input ?? '{}',
              });
            }
            context.refs.set(logicalId, name);
            context.attributes.set(
              `${logicalId}.Arn`,
              arn('scheduler', `schedule/default/${name}`),
            );
            break;
          }
          case 'AWS::Lambda::Function': {
            context.refs.set(logicalId, name);
            context.attributes.set(`${logicalId}.Arn`, arn('lambda', `function:${name}`));
            break;
          }
          case 'AWS::ApiGatewayV2::Api': {
            context.refs.set(logicalId, name);
            context.attributes.set(
              `${logicalId}.ApiEndpoint`,
              options.httpApiUrl ?? 'http://127.0.0.1:3000',
            );
            break;
          }
          default:
            // Roles, policies, log groups, alarms: not emulated, but nameable.
            context.refs.set(logicalId, name);
            context.attributes.set(`${logicalId}.Arn`, arn('local', name));
            break;
        }
      }

      for (const output of Object.values(stack.template.Outputs ?? {})) {
        if (output.Export) exports.set(output.Export.Name, resolveString(output.Value, context));
      }
      collectFunctions(stack, context, provisioned);
      await collectQueueMappings(stack, context, provisioned, clients.sqs);
      collectRoutes(stack, context, provisioned);
      provisioned.stacks.push({ stack, context });
    }
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
  return provisioned;
}

/** The properties named, those the template sets. */
const pick = (props: Record<string, unknown>, names: string[]) =>
  Object.fromEntries(
    names.filter((name) => props[name] !== undefined).map((name) => [name, props[name]]),
  );

/** Orders resources so that every resource comes after those it references. */
function dependencyOrder(resources: Record<string, TemplateResource>) {
  const ordered: [string, TemplateResource][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (logicalId: string) => {
    const resource = resources[logicalId];
    if (!resource || state.get(logicalId) === 'done' || state.get(logicalId) === 'visiting') {
      return;
    }
    state.set(logicalId, 'visiting');
    const dependsOn = [resource.DependsOn ?? []].flat();
    for (const dependency of [...dependsOn, ...referencedIds(resource.Properties)]) {
      visit(dependency);
    }
    state.set(logicalId, 'done');
    ordered.push([logicalId, resource]);
  };
  for (const logicalId of Object.keys(resources)) visit(logicalId);
  return ordered;
}

function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  const found: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (key === 'Ref' && typeof item === 'string') found.push(item);
    else if (key === 'Fn::GetAtt' && Array.isArray(item)) found.push(String(item[0]));
    else found.push(...referencedIds(item));
  }
  return found;
}

function queueAttributes(props: Record<string, unknown>, context: ResolutionContext) {
  const attributes: Record<string, string> = {};
  const copy = [
    'VisibilityTimeout',
    'MessageRetentionPeriod',
    'DelaySeconds',
    'MaximumMessageSize',
    'ReceiveMessageWaitTimeSeconds',
    'KmsMasterKeyId',
    'KmsDataKeyReusePeriodSeconds',
    'SqsManagedSseEnabled',
  ];
  for (const key of copy) {
    if (props[key] !== undefined) attributes[key] = resolveString(props[key], context);
  }
  if (props.RedrivePolicy !== undefined) {
    attributes.RedrivePolicy = JSON.stringify(resolveValue(props.RedrivePolicy, context));
  }
  return attributes;
}

function tableInput(
  name: string,
  props: Record<string, unknown>,
  context: ResolutionContext,
): CreateTableCommandInput {
  const sse = props.SSESpecification as
    | { SSEEnabled?: boolean; KMSMasterKeyId?: unknown; SSEType?: string }
    | undefined;
  return {
    TableName: name,
    KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions:
      props.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    BillingMode: (props.BillingMode as CreateTableCommandInput['BillingMode']) ?? 'PAY_PER_REQUEST',
    ProvisionedThroughput:
      props.ProvisionedThroughput as CreateTableCommandInput['ProvisionedThroughput'],
    GlobalSecondaryIndexes:
      props.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
    LocalSecondaryIndexes:
      props.LocalSecondaryIndexes as CreateTableCommandInput['LocalSecondaryIndexes'],
    StreamSpecification:
      props.StreamSpecification as CreateTableCommandInput['StreamSpecification'],
    DeletionProtectionEnabled: props.DeletionProtectionEnabled as boolean | undefined,
    ...(sse?.SSEEnabled
      ? {
          SSESpecification: {
            Enabled: true,
            SSEType: 'KMS',
            ...(sse.KMSMasterKeyId
              ? { KMSMasterKeyId: resolveString(sse.KMSMasterKeyId, context) }
              : {}),
          },
        }
      : {}),
  };
}

/** A local value shaped as the template's GenerateSecretString would shape it. */
function seedSecretValue(props: Record<string, unknown>): string {
  if (typeof props.SecretString === 'string') return props.SecretString;
  const generate = (props.GenerateSecretString ?? {}) as {
    SecretStringTemplate?: string;
    GenerateStringKey?: string;
    PasswordLength?: number;
  };
  const length = generate.PasswordLength ?? 32;
  const password = randomBytes(length * 2)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, length);
  if (generate.SecretStringTemplate && generate.GenerateStringKey) {
    const template = JSON.parse(generate.SecretStringTemplate) as Record<string, unknown>;
    return JSON.stringify({ ...template, [generate.GenerateStringKey]: password });
  }
  return password;
}

function collectFunctions(stack: AssemblyStack, context: ResolutionContext, app: ProvisionedApp) {
  for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const code = props.Code as { S3Key?: string } | undefined;
    const hash = code?.S3Key?.replace(/\.zip$/, '') ?? '';
    const assetDirectory = stack.assetDirectories.get(hash);
    if (!assetDirectory) {
      throw new UnresolvableValueError(
        `${stack.stackName}/${logicalId}: no bundled asset ${hash} in the cloud assembly`,
      );
    }
    const variables = ((props.Environment as { Variables?: Record<string, unknown> })?.Variables ??
      {}) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(variables)) {
      try {
        environment[key] = resolveString(value, context);
      } catch (error) {
        throw new UnresolvableValueError(
          `${stack.stackName}/${logicalId}: environment variable ${key}: ${(error as Error).message}`,
        );
      }
    }
    app.functions.push({
      stackName: stack.stackName,
      logicalId,
      functionName: context.refs.get(logicalId) ?? logicalId,
      functionArn: context.attributes.get(`${logicalId}.Arn`) ?? '',
      assetDirectory,
      handler: String(props.Handler ?? 'index.handler'),
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize: Number(props.MemorySize ?? 128),
      environment,
      tracing:
        (props.TracingConfig as { Mode?: string })?.Mode === 'Active' ? 'Active' : 'PassThrough',
      platformLogs: writesPlatformLogs(props.LoggingConfig),
    });
  }
}

async function collectQueueMappings(
  stack: AssemblyStack,
  context: ResolutionContext,
  app: ProvisionedApp,
  sqs: SQSClient,
) {
  const queueUrlOf = async (arn: string) =>
    (await sqs.send(new GetQueueUrlCommand({ QueueName: arn.split(':').at(-1) ?? '' }))).QueueUrl ??
    '';
  for (const resource of Object.values(stack.template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const props = resource.Properties ?? {};
    const sourceArn = resolveString(props.EventSourceArn, context);
    const functionName = resolveString(props.FunctionName, context);
    const fn = app.functions.find(
      (candidate) =>
        candidate.functionName === functionName || candidate.functionArn === functionName,
    );
    if (!fn) throw new UnresolvableValueError(`event source mapping to unknown ${functionName}`);
    const reportBatchItemFailures = ((props.FunctionResponseTypes as string[]) ?? []).includes(
      'ReportBatchItemFailures',
    );
    if (sourceArn.startsWith('arn:aws:sqs:')) {
      app.queueMappings.push({
        functionArn: fn.functionArn,
        queueArn: sourceArn,
        queueUrl: await queueUrlOf(sourceArn),
        batchSize: Number(props.BatchSize ?? 10),
        maximumBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
        reportBatchItemFailures,
        maximumConcurrency:
          (props.ScalingConfig as { MaximumConcurrency?: number } | undefined)
            ?.MaximumConcurrency ?? undefined,
      });
    } else if (sourceArn.startsWith('arn:aws:dynamodb:') && sourceArn.includes('/stream/')) {
      const filters = (props.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)
        ?.Filters;
      const onFailure = (props.DestinationConfig as { OnFailure?: { Destination?: unknown } })
        ?.OnFailure?.Destination;
      app.streamMappings.push({
        functionArn: fn.functionArn,
        streamArn: sourceArn,
        batchSize: Number(props.BatchSize ?? 100),
        startingPosition: props.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
        filterPatterns: (filters ?? []).map((filter) => JSON.parse(filter.Pattern) as unknown),
        maximumRetryAttempts: Number(props.MaximumRetryAttempts ?? -1),
        bisectOnError: props.BisectBatchOnFunctionError === true,
        reportBatchItemFailures,
        onFailureQueueUrl: onFailure
          ? await queueUrlOf(resolveString(onFailure, context))
          : undefined,
      });
    } else {
      throw new UnresolvableValueError(`the sandbox does not poll event sources like ${sourceArn}`);
    }
  }
}

/**
 * Lambda's platform lines (start, report) go to the log group in text format always, and in
 * JSON format unless the system log level is above INFO.
 */
export function writesPlatformLogs(loggingConfig: unknown): boolean {
  const config = (loggingConfig ?? {}) as { LogFormat?: string; SystemLogLevel?: string };
  if (config.LogFormat !== 'JSON') return true;
  return ['DEBUG', 'INFO', undefined].includes(config.SystemLogLevel);
}

function collectRoutes(stack: AssemblyStack, context: ResolutionContext, app: ProvisionedApp) {
  const resources = stack.template.Resources;
  for (const resource of Object.values(resources)) {
    if (resource.Type === 'AWS::ApiGatewayV2::Stage') {
      const format = (resource.Properties?.AccessLogSettings as { Format?: unknown })?.Format;
      if (typeof format === 'string') app.accessLogFormat = format;
    }
    if (resource.Type !== 'AWS::ApiGatewayV2::Route') continue;
    const props = resource.Properties ?? {};
    const target = resolveString(props.Target, context);
    const integrationId = target.replace(/^integrations\//, '');
    const integration = Object.entries(resources).find(
      ([logicalId, candidate]) =>
        candidate.Type === 'AWS::ApiGatewayV2::Integration' &&
        context.refs.get(logicalId) === integrationId,
    )?.[1];
    if (!integration) {
      throw new UnresolvableValueError(`route ${String(props.RouteKey)}: no integration ${target}`);
    }
    const functionArn = resolveString(integration.Properties?.IntegrationUri, context);
    const authorizationType = String(props.AuthorizationType ?? 'NONE');
    let jwt: LocalRoute['jwt'];
    if (authorizationType === 'JWT') {
      const authorizerId = resolveString(props.AuthorizerId, context);
      const authorizer = Object.entries(resources).find(
        ([logicalId, candidate]) =>
          candidate.Type === 'AWS::ApiGatewayV2::Authorizer' &&
          context.refs.get(logicalId) === authorizerId,
      )?.[1];
      const configuration = resolveValue(
        authorizer?.Properties?.JwtConfiguration ?? {},
        context,
      ) as { Issuer?: string; Audience?: string[] };
      jwt = { issuer: configuration.Issuer ?? '', audience: configuration.Audience ?? [] };
    }
    app.routes.push({
      routeKey: String(props.RouteKey),
      functionArn,
      authorizationType,
      ...(jwt ? { jwt } : {}),
    });
  }
}

/** The bucket properties the sandbox carries over from the template. */
interface BucketProps {
  ObjectLockEnabled?: boolean;
  ObjectLockConfiguration?: {
    Rule?: { DefaultRetention?: { Mode?: 'GOVERNANCE' | 'COMPLIANCE'; Days?: number } };
  };
  VersioningConfiguration?: { Status?: 'Enabled' | 'Suspended' };
  BucketEncryption?: {
    ServerSideEncryptionConfiguration?: {
      ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string };
      BucketKeyEnabled?: boolean;
    }[];
  };
}

/** A bucket as the template gives it: Object Lock, versioning, default encryption. */
async function createBucket(s3: S3Client, Bucket: string, props: BucketProps) {
  await s3.send(
    new CreateBucketCommand({
      Bucket,
      ...(props.ObjectLockEnabled ? { ObjectLockEnabledForBucket: true } : {}),
    }),
  );
  if (props.VersioningConfiguration?.Status) {
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket,
        VersioningConfiguration: { Status: props.VersioningConfiguration.Status },
      }),
    );
  }
  const encryption = props.BucketEncryption?.ServerSideEncryptionConfiguration?.[0];
  if (encryption?.ServerSideEncryptionByDefault?.SSEAlgorithm) {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: encryption.ServerSideEncryptionByDefault.SSEAlgorithm as never,
                KMSMasterKeyID: encryption.ServerSideEncryptionByDefault.KMSMasterKeyID,
              },
              BucketKeyEnabled: encryption.BucketKeyEnabled,
            },
          ],
        },
      }),
    );
  }
  const retention = props.ObjectLockConfiguration?.Rule?.DefaultRetention;
  if (props.ObjectLockEnabled && retention?.Mode) {
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: retention.Mode, Days: retention.Days } },
        },
      }),
    );
  }
}
