import { fileURLToPath } from 'node:url';
import { Aws, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Architecture,
  LoggingFormat,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsLogLevel,
  ParamsAndSecretsVersions,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { FUNCTION_TIMEOUTS, type FunctionEntry } from '../function-timeouts.ts';
import { reportsBucketName } from '../stateful-stack.ts';
import { KeyScopedRole } from './key-scoped-role.ts';

/** How long a stage keeps function logs, and whether they outlive the stack. */
export interface FunctionLogs {
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/** Files copied into a directory of a function's bundle. */
export interface BundledFiles {
  directory: string;
  files: readonly string[];
}

export interface ProjectFunctionProps extends FunctionLogs {
  /**
   * File name under `functions/`, without extension: `complaint-intake`. It is also the
   * Powertools service name (the key that groups the function's logs and metrics), and it
   * picks the function's timeout from FUNCTION_TIMEOUTS.
   */
  entry: FunctionEntry;
  description: string;
  memorySize?: number;
  environment?: Record<string, string>;
  /** Adds the Parameters and Secrets extension, through which the function reads secrets. */
  readsSecrets?: boolean;
  /**
   * Files the bundle carries beside its code, each set in a directory of it (report
   * profiles; Chromium's brotli files and the CJK font of the PDF printer).
   */
  bundledFiles?: BundledFiles | readonly BundledFiles[];
  /** ARM64 unless the function runs a binary built for x86-64 alone (Chromium). */
  architecture?: Architecture;
  /** Other actions this function is granted on Resource "*", and why no ARN can be named. */
  wildcardResourceReason?: string;
  /**
   * Runs once or more for every survey response (docs/design.md §9: at most $2.50 a million). Such
   * a function starts no X-Ray traces of its own (Lambda samples one a second and 5 % of the
   * rest, a rate it does not let us set: $0.25 or more a million invocations) and Lambda
   * writes no start and report lines for it (system log level WARN: $0.35 a million). Its
   * duration, errors and throttles stay in CloudWatch metrics; its own log lines remain.
   */
  perResponse?: boolean;
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Every Lambda of the project, with its defaults held once: Node.js 24 on ARM64, ESM,
 * minified with source maps, the AWS SDK bundled (its version is ours, not the runtime's),
 * an explicit log group with retention, X-Ray tracing, JSON logs, and the Powertools
 * environment. Each function gets its own role with only its log group's write grant;
 * callers add least-privilege grants for the resources it touches, with the methods below.
 */
export class ProjectFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // Its use of the data key goes through AWS services only (kms:ViaService).
    const role = new KeyScopedRole(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.entry}`,
    });
    role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      entry: `${repositoryRoot}functions/${props.entry}.ts`,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: props.architecture ?? Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: FUNCTION_TIMEOUTS[props.entry],
      tracing: props.perResponse ? Tracing.PASS_THROUGH : Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      ...(props.perResponse ? { systemLogLevelV2: SystemLogLevel.WARN } : {}),
      logGroup,
      role,
      projectRoot: repositoryRoot,
      depsLockFilePath: `${repositoryRoot}package-lock.json`,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // Bundle the SDK: its version is pinned by our lockfile, not the runtime's copy.
        bundleAwsSDK: true,
        externalModules: [],
        // Some CommonJS dependencies call require(); give the ESM bundle one.
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        // Lambda gives credentials in the environment; see shared/aws/lambda-credentials.ts.
        // and no operation of ours streams events; see shared/aws/no-event-streams.ts.
        esbuildArgs: {
          '--alias:@aws-sdk/credential-provider-node': `${repositoryRoot}shared/aws/lambda-credentials.ts`,
          '--alias:@smithy/core/event-streams': `${repositoryRoot}shared/aws/no-event-streams.ts`,
        },
        ...(props.bundledFiles
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_input: string, output: string) =>
                  [props.bundledFiles ?? []].flat().flatMap(({ directory, files }) => {
                    const target = `${output}/${directory}`;
                    return [
                      `mkdir -p "${target}"`,
                      ...files.map((file) => `cp "${file}" "${target}/"`),
                    ];
                  }),
              },
            }
          : {}),
      },
      ...(props.readsSecrets
        ? {
            paramsAndSecrets: ParamsAndSecretsLayerVersion.fromVersion(
              ParamsAndSecretsVersions.V1_0_103,
              {
                cacheEnabled: true,
                secretsManagerTtl: Duration.minutes(5),
                logLevel: ParamsAndSecretsLogLevel.WARN,
              },
            ),
          }
        : {}),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.entry,
        POWERTOOLS_METRICS_NAMESPACE: 'TelecomServiceQuality',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `xray:PutTraceSegments and xray:PutTelemetryRecords use Resource "*": X-Ray has no resource-level permissions.${props.wildcardResourceReason ? ` ${props.wildcardResourceReason}` : ''} Every other statement names its resource.`,
    });
    // `grantSendMessages` and `grantReadWriteData` on KMS-encrypted resources allow the
    // `kms:GenerateDataKey*` and `kms:ReEncrypt*` action families: wildcards over actions,
    // each statement scoped to the one data key.
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} is the action family that SQS and DynamoDB need to encrypt with a customer-managed key; the statement's resource is that single data key, not "*".`,
      });
    }
  }

  /**
   * Exactly the table actions this function performs, on that table alone (no index, no
   * wildcard), and use of the key the table is encrypted with.
   */
  grantTable(table: ITable, key: IKey, actions: string[]): void {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
      }),
    );
    key.grantEncryptDecrypt(this);
  }

  /** Query on the named indexes of a table, and on nothing else of it. */
  grantIndexQuery(table: ITable, indexNames: string[]): void {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: indexNames.map((name) => `${table.tableArn}/index/${name}`),
      }),
    );
  }

  /**
   * With the edge on (its origin secret given), makes the function refuse a request that
   * lacks the header CloudFront adds (shared/http/edge-origin.ts): one sent straight to
   * the HTTP API's URL, around the web ACL. The function must be made with `readsSecrets`.
   */
  servedThroughEdge(originSecret: ISecret | undefined, key: IKey): void {
    if (!originSecret) return;
    this.addEnvironment('EDGE_ORIGIN_SECRET_ARN', originSecret.secretArn);
    this.grantSecretsRead([originSecret], key);
  }

  /**
   * Lets this function read secrets encrypted with the data key. `Secret.grantRead` would
   * put the role into the stateful stack's key policy, a reference back from the stateful
   * stack to this one; the same least privilege fits in the role's own policy instead.
   */
  grantSecretsRead(secrets: ISecret[], key: IKey): void {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: secrets.map((secret) => secret.secretArn),
      }),
    );
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com`,
          },
        },
      }),
    );
  }

  /**
   * S3 actions on the report files (`reports/*`). The bucket's name is fixed per stage,
   * account and region (reportsBucketName), so the ARN is written without a cross-stack
   * import and the cdk-nag acknowledgment, whose reason the caller gives, can name it.
   */
  grantReportObjects(stage: string, actions: string[], reason: string): void {
    const objects = (account: string, region: string, partition: string) =>
      `arn:${partition}:s3:::${reportsBucketName(stage, account, region)}/reports/*`;
    this.addToRolePolicy(
      new PolicyStatement({
        actions,
        resources: [objects(Aws.ACCOUNT_ID, Aws.REGION, Aws.PARTITION)],
      }),
    );
    Validations.of(this.role ?? this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${objects('<AWS::AccountId>', '<AWS::Region>', '<AWS::Partition>')}]`,
      reason,
    });
  }

  /**
   * Publishing an SMS: it goes to a phone number, which has no ARN, so SNS allows only
   * Resource "*" here (the constructor's `wildcardResourceReason` says so to cdk-nag).
   */
  grantSmsPublish(): void {
    this.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
  }
}
