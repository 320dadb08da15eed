import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  TimeZone,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { SqsSendMessage } from 'aws-cdk-lib/aws-scheduler-targets';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { OPERATOR_PROFILES_DIRECTORY } from '../shared/indicators/profiles.ts';
import type { StageConfig } from './config.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { ProjectFunction } from './constructs/project-function.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  config: StageConfig;
  stateful: StatefulStack;
}

/**
 * Routes authenticated inside the function rather than by an API Gateway authorizer: by
 * an HMAC signature (docs/design.md §4.1) or by possession of a survey token (§4.4). Infra tests
 * hold every route to this list or a JWT authorizer.
 */
export const FUNCTION_AUTHENTICATED_ROUTES = [
  'POST /webhooks/complaints/{source}',
  'POST /invitations',
  'GET /s/{token}',
  'POST /s/{token}',
  'POST /sms/inbound',
] as const;

/** Routes anyone may call: the public key that verifies reports is meant to be public. */
export const PUBLIC_ROUTES = ['GET /reports/signing-key'] as const;

/** Functions, the HTTP API, event source mappings, alarms and the dashboard. */
export class StatelessStack extends Stack {
  readonly api: HttpApi;
  readonly complaintIntake: ProjectFunction;
  readonly complaintProcessor: ProjectFunction;
  readonly invitationIntake: ProjectFunction;
  readonly smsSender: ProjectFunction;
  readonly surveyPage: ProjectFunction;
  readonly responseAggregator: ProjectFunction;
  readonly reportBuilder: ProjectFunction;
  readonly signingKey: ProjectFunction;
  readonly referenceData: ProjectFunction;
  readonly reportsApi: ProjectFunction;
  readonly reportRuns: ProjectFunction;
  readonly erasure: ProjectFunction;
  readonly smsInbound: ProjectFunction;
  readonly smsInboundSns: ProjectFunction;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    const prod = props.config.stage === 'prod';
    super(scope, id, { ...props, terminationProtection: prod });
    const { stateful, config } = props;
    const logs = {
      logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
      logRemovalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };

    this.complaintIntake = new ProjectFunction(this, 'ComplaintIntake', {
      entry: 'complaint-intake',
      description: 'Verifies signed complaint webhooks, validates them and queues each event',
      readsSecrets: true,
      environment: {
        COMPLAINT_EVENTS_QUEUE_URL: stateful.complaintEventsQueue.queueUrl,
        COMPLAINT_SOURCE_SECRETS: this.toJsonString(
          Object.fromEntries(
            [...stateful.complaintSourceSecrets].map(([source, secret]) => [
              source,
              secret.secretArn,
            ]),
          ),
        ),
      },
      ...logs,
    });
    stateful.complaintEventsQueue.grantSendMessages(this.complaintIntake);
    this.complaintIntake.grantSecretsRead(
      [...stateful.complaintSourceSecrets.values()],
      stateful.dataKey,
    );

    this.complaintProcessor = new ProjectFunction(this, 'ComplaintProcessor', {
      entry: 'complaint-processor',
      description: 'Applies complaint lifecycle events to complaint state, exactly once',
      memorySize: 512,
      environment: {
        COMPLAINTS_TABLE_NAME: stateful.complaintsTable.tableName,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
      },
      ...logs,
    });
    // Exactly what the processor does: read a complaint's partition, write it in a transaction.
    this.complaintProcessor.grantTable(stateful.complaintsTable, stateful.dataKey, [
      'Query',
      'PutItem',
      'ConditionCheckItem',
    ]);
    this.complaintProcessor.addEventSource(
      new SqsEventSource(stateful.complaintEventsQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );

    this.api = new HttpApi(this, 'Api', {
      description: 'Telecom service quality: webhooks, surveys and reports',
      createDefaultStage: false,
    });
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });

    this.invitationIntake = new ProjectFunction(this, 'InvitationIntake', {
      entry: 'invitation-intake',
      perResponse: true,
      description: 'Creates survey invitations from signed operator requests',
      readsSecrets: true,
      environment: {
        SURVEYS_TABLE_NAME: stateful.surveysTable.tableName,
        INVITATION_SOURCE_SECRETS: this.toJsonString(
          Object.fromEntries(
            [...stateful.invitationSourceSecrets].map(([source, secret]) => [
              source,
              secret.secretArn,
            ]),
          ),
        ),
        SURVEY_KEYS_SECRET_ARN: stateful.surveyKeysSecret.secretArn,
        SURVEY_BASE_URL: config.surveyBaseUrl || this.api.apiEndpoint,
        SURVEY_TOKEN_TTL_DAYS: String(config.surveyTokenTtlDays),
        FREQUENCY_CAP_DAYS: String(config.frequencyCapDays),
        QUIET_HOURS: config.quietHours,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
      },
      ...logs,
    });
    // Reads for the decision, one transaction to create (no scan, no delete).
    this.invitationIntake.grantTable(stateful.surveysTable, stateful.dataKey, [
      'GetItem',
      'BatchGetItem',
      'PutItem',
      'ConditionCheckItem',
    ]);
    this.invitationIntake.grantSecretsRead(
      [...stateful.invitationSourceSecrets.values(), stateful.surveyKeysSecret],
      stateful.dataKey,
    );

    this.smsSender = new ProjectFunction(this, 'SmsSender', {
      entry: 'sms-sender',
      perResponse: true,
      description: 'Sends survey invitations by SMS, once each, outside quiet hours',
      readsSecrets: true,
      wildcardResourceReason:
        'sns:Publish also uses Resource "*": an SMS is published to a phone number, which has no ARN to name; so does dynamodb:ListStreams, which the stream event source needs and which has no resource-level permissions.',
      environment: {
        SURVEYS_TABLE_NAME: stateful.surveysTable.tableName,
        SMS_WAKE_UP_QUEUE_URL: stateful.smsWakeUpQueue.queueUrl,
        SURVEY_KEYS_SECRET_ARN: stateful.surveyKeysSecret.secretArn,
        SMS_SENDER_ID: config.smsSenderId,
      },
      ...logs,
    });
    this.smsSender.grantTable(stateful.surveysTable, stateful.dataKey, [
      'BatchGetItem',
      'UpdateItem',
      'PutItem',
      'DeleteItem',
    ]);
    this.smsSender.grantSmsPublish();
    stateful.smsWakeUpQueue.grantSendMessages(this.smsSender);
    this.smsSender.grantSecretsRead([stateful.surveyKeysSecret], stateful.dataKey);
    // New OUTBOX items on the surveys table's stream: the transactional outbox.
    this.smsSender.addEventSource(
      new DynamoEventSource(stateful.surveysTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { sk: { S: FilterRule.isEqual('OUTBOX') } } },
          }),
        ],
        retryAttempts: 5,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(stateful.smsDeadLetterQueue),
      }),
    );
    this.smsSender.addEventSource(
      new SqsEventSource(stateful.smsWakeUpQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        // Caps the sending rate of deferred SMS: at most two batches in flight.
        maxConcurrency: 2,
      }),
    );

    this.surveyPage = new ProjectFunction(this, 'SurveyPage', {
      entry: 'survey-page',
      perResponse: true,
      description: 'Serves the web survey page and records its answers, once per link',
      environment: {
        SURVEYS_TABLE_NAME: stateful.surveysTable.tableName,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
      },
      ...logs,
    });
    // Read the link; answer it with one conditional update.
    this.surveyPage.grantTable(stateful.surveysTable, stateful.dataKey, ['GetItem', 'UpdateItem']);

    this.responseAggregator = new ProjectFunction(this, 'ResponseAggregator', {
      entry: 'response-aggregator',
      perResponse: true,
      description: 'Counts new survey responses into sharded daily aggregates, exactly once',
      wildcardResourceReason:
        'dynamodb:ListStreams also uses Resource "*": the stream event source needs it and it has no resource-level permissions.',
      environment: {
        AGGREGATES_TABLE_NAME: stateful.aggregatesTable.tableName,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
      },
      ...logs,
    });
    // The batch mark (Put, and Get when a redelivery finds it) and the aggregate ADDs.
    this.responseAggregator.grantTable(stateful.aggregatesTable, stateful.dataKey, [
      'PutItem',
      'UpdateItem',
      'GetItem',
    ]);
    this.responseAggregator.addEventSource(
      new DynamoEventSource(stateful.surveysTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        // 49 records make at most 49 aggregate and 49 tally groups; with the batch mark,
        // 99 items, within a transaction's 100.
        batchSize: 49,
        maxBatchingWindow: Duration.seconds(1),
        // A failed batch must come back from its first record, in order: the batch mark
        // that makes counting exactly-once is keyed by it.
        bisectBatchOnError: false,
        parallelizationFactor: 1,
        // A link becoming answered (the one change that makes a response), and an
        // invitation reaching its customer (a web link created, an SMS sent): the
        // response rate's numerator and denominator.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            dynamodb: {
              Keys: { sk: { S: FilterRule.isEqual('TOKEN') } },
              NewImage: { answeredAt: { S: FilterRule.exists() } },
              OldImage: { answeredAt: { S: FilterRule.notExists() } },
            },
          }),
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: {
              Keys: { sk: { S: FilterRule.isEqual('TOKEN') } },
              NewImage: { channel: { S: FilterRule.isEqual('web') } },
            },
          }),
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            dynamodb: {
              Keys: { sk: { S: FilterRule.isEqual('INVITATION') } },
              NewImage: { status: { S: FilterRule.isEqual('sent') } },
              OldImage: { status: { S: FilterRule.notEquals('sent') } },
            },
          }),
        ],
        retryAttempts: 5,
        onFailure: new SqsDlq(stateful.aggregationDeadLetterQueue),
      }),
    );

    this.smsInbound = new ProjectFunction(this, 'SmsInbound', {
      entry: 'sms-inbound',
      perResponse: true,
      description: 'Answers inbound SMS: survey replies, opt-out, START and HELP',
      readsSecrets: true,
      environment: {
        SURVEYS_TABLE_NAME: stateful.surveysTable.tableName,
        SMS_INBOUND_URL: `${config.surveyBaseUrl || this.api.apiEndpoint}/sms/inbound`,
        SMS_AUTH_TOKEN_SECRET_ARN: stateful.smsAuthTokenSecret.secretArn,
        SURVEY_KEYS_SECRET_ARN: stateful.surveyKeysSecret.secretArn,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
      },
      ...logs,
    });
    // The conversation, opt-outs and message ids; a finished survey answers its link.
    this.smsInbound.grantTable(stateful.surveysTable, stateful.dataKey, [
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
    ]);
    this.smsInbound.grantSecretsRead(
      [stateful.smsAuthTokenSecret, stateful.surveyKeysSecret],
      stateful.dataKey,
    );

    this.smsInboundSns = new ProjectFunction(this, 'SmsInboundSns', {
      entry: 'sms-inbound-sns',
      perResponse: true,
      description: 'Answers inbound two-way SMS from AWS End User Messaging (via SNS)',
      readsSecrets: true,
      wildcardResourceReason:
        'sns:Publish also uses Resource "*": the reply SMS is published to a phone number, which has no ARN to name.',
      environment: {
        SURVEYS_TABLE_NAME: stateful.surveysTable.tableName,
        SURVEY_KEYS_SECRET_ARN: stateful.surveyKeysSecret.secretArn,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
        SMS_SENDER_ID: config.smsSenderId,
      },
      ...logs,
    });
    // The conversation, opt-outs and message ids; a finished survey answers its link.
    this.smsInboundSns.grantTable(stateful.surveysTable, stateful.dataKey, [
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
    ]);
    this.smsInboundSns.grantSmsPublish();
    this.smsInboundSns.grantSecretsRead([stateful.surveyKeysSecret], stateful.dataKey);
    // SNS invokes asynchronously: after Lambda's retries a message lands in the SMS DLQ.
    this.smsInboundSns.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SqsDestination(stateful.smsDeadLetterQueue),
    });
    stateful.smsInboundTopic.addSubscription(new LambdaSubscription(this.smsInboundSns));

    // The operator's own profiles travel in the bundles of the functions that resolve runs.
    const ownProfiles =
      config.operatorProfileFiles.length > 0
        ? {
            bundledFiles: {
              directory: OPERATOR_PROFILES_DIRECTORY,
              files: config.operatorProfileFiles,
            },
          }
        : {};
    this.reportBuilder = new ProjectFunction(this, 'ReportBuilder', {
      ...ownProfiles,
      entry: 'report-builder',
      description: 'Builds a signed regulatory report for a profile and period into S3',
      memorySize: 1024,
      environment: {
        AGGREGATES_TABLE_NAME: stateful.aggregatesTable.tableName,
        COMPLAINTS_TABLE_NAME: stateful.complaintsTable.tableName,
        REPORTS_BUCKET_NAME: stateful.reportsBucket.bucketName,
        SIGNING_KEY_ID: stateful.reportSigningKey.keyId,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
        OPERATOR_NAME: config.operatorName,
        CODE_VERSION: config.codeVersion,
        REPORTS_TABLE_NAME: stateful.reportsTable.tableName,
      },
      ...logs,
    });
    // PutItem: the index entry of a built report; Query: earlier reports for the trend.
    this.reportBuilder.grantTable(stateful.reportsTable, stateful.dataKey, ['PutItem', 'Query']);
    // One run at a time per message; a failing run is retried, then dead-lettered (alarmed).
    this.reportBuilder.addEventSource(
      new SqsEventSource(stateful.reportRunsQueue, { batchSize: 1, reportBatchItemFailures: true }),
    );

    // Each built-in profile's report, early on the day after its period ends, in the
    // reporting time zone: the run asks for the "previous" (last complete) period.
    const cronOf: Record<string, { month: string }> = {
      month: { month: '*' },
      quarter: { month: '1,4,7,10' },
      year: { month: '1' },
    };
    const schedulerRole = new Role(this, 'ReportSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets the report schedules queue report runs',
    });
    Validations.of(schedulerRole).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'kms:GenerateDataKey* is the action family SQS needs to encrypt a message with a customer-managed key; the statement names the one data key, and the role can only send to the report run queue.',
    });
    for (const profile of Object.values(config.profiles)) {
      new Schedule(this, `ReportSchedule-${profile.id}`, {
        description: `Builds the ${profile.id} report for each ${profile.period} that has ended`,
        schedule: ScheduleExpression.cron({
          minute: '0',
          hour: '3',
          day: '1',
          ...cronOf[profile.period],
          timeZone: TimeZone.of(config.reportingTimeZone),
        }),
        target: new SqsSendMessage(stateful.reportRunsQueue, {
          input: ScheduleTargetInput.fromObject({ profile: profile.id, period: 'previous' }),
          deadLetterQueue: stateful.reportRunsDeadLetterQueue,
          retryAttempts: 10,
          role: schedulerRole,
        }),
      });
    }

    this.reportRuns = new ProjectFunction(this, 'ReportRuns', {
      ...ownProfiles,
      entry: 'report-runs',
      description: 'Queues a report run for a profile and period (admins)',
      environment: {
        REPORT_RUNS_QUEUE_URL: stateful.reportRunsQueue.queueUrl,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
      },
      ...logs,
    });
    stateful.reportRunsQueue.grantSendMessages(this.reportRuns);
    // Reads: a day's aggregates, complaints by month index. Writes: report files only.
    this.reportBuilder.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [stateful.aggregatesTable.tableArn],
      }),
    );
    this.reportBuilder.grantIndexQuery(stateful.complaintsTable, [
      'byCreatedMonth',
      'byFirstResolvedMonth',
    ]);
    this.reportBuilder.grantReportObjects(
      config.stage,
      ['s3:PutObject', 's3:GetObject'],
      "Each report run writes new keys (reports/{profile}/{period}/{reportId}/…), so the grant names the reports/ prefix of the one bucket; PutObject writes the run's files (Object Lock keeps every written version), GetObject reads earlier reports' report.json for the trend.",
    );
    stateful.dataKey.grantEncryptDecrypt(this.reportBuilder);
    this.reportBuilder.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Sign'],
        resources: [stateful.reportSigningKey.keyArn],
      }),
    );

    this.signingKey = new ProjectFunction(this, 'SigningKey', {
      entry: 'signing-key',
      description: 'Serves the public key that verifies report manifests',
      environment: { SIGNING_KEY_ID: stateful.reportSigningKey.keyId },
      ...logs,
    });
    this.signingKey.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:GetPublicKey'],
        resources: [stateful.reportSigningKey.keyArn],
      }),
    );

    this.reportsApi = new ProjectFunction(this, 'ReportsApi', {
      entry: 'reports-api',
      description: 'Lists reports and hands out audited, five-minute download links',
      environment: {
        REPORTS_TABLE_NAME: stateful.reportsTable.tableName,
        REPORTS_BUCKET_NAME: stateful.reportsBucket.bucketName,
      },
      ...logs,
    });
    // The index and the audit log; a presigned GET is signed with this role's credentials.
    this.reportsApi.grantTable(stateful.reportsTable, stateful.dataKey, [
      'GetItem',
      'Query',
      'PutItem',
    ]);
    this.reportsApi.grantReportObjects(
      config.stage,
      ['s3:GetObject'],
      'Downloads are presigned GETs of any report file under reports/ of the one bucket; which files a caller may fetch (extracts for assessors only) is decided in the function before it signs, and every download is audited.',
    );

    this.referenceData = new ProjectFunction(this, 'ReferenceData', {
      entry: 'reference-data',
      description: 'Stores subscriber counts per region and service, versioned (admins)',
      environment: { AGGREGATES_TABLE_NAME: stateful.aggregatesTable.tableName },
      ...logs,
    });
    this.referenceData.grantTable(stateful.aggregatesTable, stateful.dataKey, ['PutItem']);

    this.erasure = new ProjectFunction(this, 'Erasure', {
      entry: 'erasure',
      description: "Erases a customer's personal data; aggregates and reports stay (admins)",
      environment: {
        SURVEYS_TABLE_NAME: stateful.surveysTable.tableName,
        COMPLAINTS_TABLE_NAME: stateful.complaintsTable.tableName,
      },
      ...logs,
    });
    // Finds the customer's items by the byCustomer indexes; deletes survey items, and
    // removes the reference from complaints (which stay, anonymous).
    this.erasure.grantTable(stateful.surveysTable, stateful.dataKey, ['GetItem', 'DeleteItem']);
    this.erasure.grantTable(stateful.complaintsTable, stateful.dataKey, ['Query', 'UpdateItem']);
    this.erasure.grantIndexQuery(stateful.surveysTable, ['byCustomer']);
    this.erasure.grantIndexQuery(stateful.complaintsTable, ['byCustomer']);

    const functions = [
      this.erasure,
      this.reportRuns,
      this.reportsApi,
      this.referenceData,
      this.signingKey,
      this.reportBuilder,
      this.complaintIntake,
      this.complaintProcessor,
      this.invitationIntake,
      this.smsSender,
      this.surveyPage,
      this.responseAggregator,
      this.smsInbound,
      this.smsInboundSns,
    ];
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: logs.logRetention,
      removalPolicy: logs.logRemovalPolicy,
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // No source IP or user agent: callers include customers, whose IPs are personal data.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            responseLength: '$context.responseLength',
          }),
        ),
      },
    });
    this.api.addRoutes({
      path: '/webhooks/complaints/{source}',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('ComplaintIntakeIntegration', this.complaintIntake),
    });
    this.api.addRoutes({
      path: '/invitations',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('InvitationIntakeIntegration', this.invitationIntake),
    });
    this.api.addRoutes({
      path: '/s/{token}',
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration: new HttpLambdaIntegration('SurveyPageIntegration', this.surveyPage),
    });
    // People's routes: the user pool's access token, checked by API Gateway; the group is
    // checked again inside each function (docs/design.md §4.3).
    const people = new HttpUserPoolAuthorizer('PeopleAuthorizer', stateful.userPool, {
      userPoolClients: [stateful.userPoolClient],
    });
    this.api.addRoutes({
      path: '/reference/subscribers/{period}',
      methods: [HttpMethod.PUT],
      integration: new HttpLambdaIntegration('ReferenceDataIntegration', this.referenceData),
      authorizer: people,
    });
    for (const path of ['/reports', '/reports/{reportId}', '/reports/{reportId}/files/{name+}']) {
      this.api.addRoutes({
        path,
        methods: [HttpMethod.GET],
        integration: new HttpLambdaIntegration(
          `ReportsApiIntegration${path.split('/').length}`,
          this.reportsApi,
        ),
        authorizer: people,
      });
    }
    this.api.addRoutes({
      path: '/customers/{customerRef}',
      methods: [HttpMethod.DELETE],
      integration: new HttpLambdaIntegration('ErasureIntegration', this.erasure),
      authorizer: people,
    });
    this.api.addRoutes({
      path: '/reports/runs',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('ReportRunsIntegration', this.reportRuns),
      authorizer: people,
    });
    this.api.addRoutes({
      path: '/reports/signing-key',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('SigningKeyIntegration', this.signingKey),
    });
    this.api.addRoutes({
      path: '/sms/inbound',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('SmsInboundIntegration', this.smsInbound),
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Operator routes are authenticated inside the function by an HMAC-SHA256 signature over the raw body with a per-source secret and a 300 s replay window (docs/design.md §4.1), which an API Gateway authorizer cannot see; survey routes by possession of a single-use 256-bit token checked against its stored hash (§4.4), as customers have no account; the SMS webhook by the X-Twilio-Signature of the gateway over the URL and parameters (§4.2). GET /reports/signing-key is public on purpose: it serves the public key that lets anyone verify a report (docs/design.md §3).',
    });

    new Monitoring(this, 'Monitoring', {
      alarmTopic: stateful.alarmTopic,
      api: this.api,
      functions,
      deadLetterQueues: [
        stateful.complaintEventsDeadLetterQueue,
        stateful.smsDeadLetterQueue,
        stateful.aggregationDeadLetterQueue,
        stateful.reportRunsDeadLetterQueue,
      ],
      queues: [stateful.complaintEventsQueue, stateful.smsWakeUpQueue, stateful.reportRunsQueue],
    });
  }
}
