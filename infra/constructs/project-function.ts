import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
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
import type { Construct } from 'constructs';

export interface ProjectFunctionProps {
  /** File name under `functions/`, without extension: `complaint-intake`. */
  entry: string;
  description: string;
  timeout: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** Powertools service name: the key that groups this function's logs and metrics. */
  serviceName: string;
  /** Adds the Parameters and Secrets extension, through which the function reads secrets. */
  readsSecrets?: boolean;
  /** Files the bundle carries beside its code, in this directory of it (report profiles). */
  bundledFiles?: { directory: string; files: string[] };
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
 * callers add least-privilege grants for the resources it touches.
 */
export class ProjectFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const role = new Role(scope, `${id}Role`, {
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
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
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
                afterBundling: (_input: string, output: string) => {
                  const target = `${output}/${props.bundledFiles?.directory}`;
                  return [
                    `mkdir -p "${target}"`,
                    ...(props.bundledFiles?.files ?? []).map((file) => `cp "${file}" "${target}/"`),
                  ];
                },
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
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'TelecomServiceQuality',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `xray:PutTraceSegments and xray:PutTelemetryRecords use Resource "*": X-Ray has no resource-level permissions.${props.wildcardResourceReason ? ` ${props.wildcardResourceReason}` : ''} Every other statement names its resource.`,
    });
  }
}
