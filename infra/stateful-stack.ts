import {
  Aws,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import {
  AttributeType,
  BillingMode,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectLockRetention,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DELIVERY_SCHEDULE } from '#shared/domain/delivery-schedule.ts';
import type { SurveyKeyPurpose } from '#shared/domain/survey-token.ts';
import { AGGREGATES_TABLE } from '#shared/tables/aggregates.ts';
import { COMPLAINTS_TABLE } from '#shared/tables/complaints.ts';
import { REPORTS_TABLE } from '#shared/tables/reports.ts';
import { SESSIONS_TABLE } from '#shared/tables/sessions.ts';
import { SURVEYS_TABLE } from '#shared/tables/surveys.ts';
import type { TableDesign } from '#shared/tables/table.ts';
import type { StageConfig } from './config.ts';
import { globalSecondaryIndexes } from './table-design.ts';

export interface StatefulStackProps extends StackProps {
  config: StageConfig;
  /** The complaint processor's timeout: the queue's visibility timeout is six times it. */
  complaintProcessorTimeout: Duration;
  /** The SMS sender's timeout: the outbox's visibility timeout is six times it. */
  smsSenderTimeout: Duration;
  /** The report builder's timeout: the report run queue's visibility timeout is six times it. */
  reportBuilderTimeout: Duration;
  /** The case delivery function's timeout: the delivery queue's visibility timeout is six times it. */
  caseDeliveryTimeout: Duration;
  remindersTimeout: Duration;
  /** The missed-schedule check's timeout: its queue's visibility timeout is six times it. */
  missedSchedulesTimeout: Duration;
  /** The notice sender's timeout: the notice queue's visibility timeout is six times it. */
  noticeSenderTimeout: Duration;
}

/**
 * Everything that holds data or identity: the KMS key, tables, queues, secrets and the
 * alarm topic. In prod it is retained on stack deletion and protected from termination.
 */
export class StatefulStack extends Stack {
  readonly dataKey: Key;
  readonly complaintsTable: Table;
  readonly complaintEventsQueue: Queue;
  readonly complaintEventsDeadLetterQueue: Queue;
  readonly complaintSourceSecrets: ReadonlyMap<string, Secret>;
  readonly surveysTable: Table;
  /** Anonymous daily aggregates: no personal data, no stream, kept when raw data expires. */
  readonly aggregatesTable: Table;
  readonly invitationSourceSecrets: ReadonlyMap<string, Secret>;
  /** One secret per purpose of the survey keys: one leak is one loss (docs/design.md §5). */
  readonly surveyKeySecrets: Readonly<Record<SurveyKeyPurpose, Secret>>;
  readonly smsAuthTokenSecret: Secret;
  /**
   * The value CloudFront adds to the requests it passes to the HTTP API, by which the
   * public routes' functions tell them from requests sent around the edge; only with
   * `-c edge=true`.
   */
  readonly edgeOriginSecret: Secret | undefined;
  /** Where AWS End User Messaging publishes inbound two-way SMS. */
  readonly smsInboundTopic: Topic;
  readonly smsWakeUpQueue: Queue;
  readonly smsDeadLetterQueue: Queue;
  readonly aggregationDeadLetterQueue: Queue;
  /** Complaint stream batches the complaint aggregator gave up on (alarmed). */
  readonly complaintAggregationDeadLetterQueue: Queue;
  /** Follow-up stream batches and case deliveries that were given up (docs/design.md §10). */
  readonly followUpDeadLetterQueue: Queue;
  /** Case deliveries, one message per case and endpoint, waiting between attempts. */
  readonly caseDeliveryQueue: Queue;
  /** The reminder schedule's runs, waiting for the reminders function. */
  readonly reminderRunsQueue: Queue;
  /**
   * Per follow-up endpoint, the Standard Webhooks secret its deliveries are signed with:
   * made here, or the one the endpoint's `secretArn` names.
   */
  readonly followUpEndpointSecrets: ReadonlyMap<string, ISecret>;
  readonly alarmTopic: Topic;
  /** Signed reports: KMS-encrypted, versioned, Object Lock (docs/design.md §7). */
  readonly reportsBucket: Bucket;
  /** Report runs waiting for the builder: on demand (POST /reports/runs) and scheduled. */
  readonly reportRunsQueue: Queue;
  readonly reportRunsDeadLetterQueue: Queue;
  /** The hourly missed-schedule checks, waiting for the checker. */
  readonly reportChecksQueue: Queue;
  /** Publications waiting for their notices to be sent; only with a notice sender. */
  readonly noticeQueue: Queue | undefined;
  /** Publications whose notices could not all be sent after their retries (alarmed). */
  readonly noticeDeadLetterQueue: Queue | undefined;
  /** The report index and the download audit log. */
  readonly reportsTable: Table;
  /** Signs report manifests (ECDSA P-256); its public key verifies them offline. */
  readonly reportSigningKey: Key;
  /** Regulators, assessors and admins (docs/design.md §4.3): MFA required, no self sign-up. */
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  /** The user pool's managed login, where the portal sends people to sign in. */
  readonly loginDomain: UserPoolDomain;
  /** The portal's server-side sessions and sign-ins under way (TTL). */
  readonly sessionsTable: Table;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    const prod = props.config.stage === 'prod';
    super(scope, id, { ...props, terminationProtection: prod });
    const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.dataKey = new Key(this, 'DataKey', {
      description: 'Encrypts complaint data, queues, secrets and alarm notifications',
      enableKeyRotation: true,
      removalPolicy,
    });
    // CloudWatch alarms publish to the encrypted alarm topic: this account's alarms only.
    this.dataKey.grant(
      this.servicePrincipalOfThisAccount('cloudwatch', 'alarm:*'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );

    this.complaintsTable = this.table('ComplaintsTable', COMPLAINTS_TABLE, {
      prod,
      removalPolicy,
      // The stream feeds the complaint aggregator: a STATE's change is its new image's
      // contribution to the monthly counters less its old image's.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });

    this.complaintEventsDeadLetterQueue = this.deadLetterQueue(
      'ComplaintEventsDeadLetterQueue',
      removalPolicy,
    );
    this.complaintEventsQueue = this.workQueue('ComplaintEventsQueue', {
      consumerTimeout: props.complaintProcessorTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: this.complaintEventsDeadLetterQueue,
      removalPolicy,
    });

    this.complaintSourceSecrets = this.webhookSecrets(
      'ComplaintSourceSecret',
      props.config.complaintSources,
      removalPolicy,
    );
    this.invitationSourceSecrets = this.webhookSecrets(
      'InvitationSourceSecret',
      props.config.invitationSources,
      removalPolicy,
    );

    this.surveysTable = this.table('SurveysTable', SURVEYS_TABLE, {
      prod,
      removalPolicy,
      // The stream feeds the SMS sender (new OUTBOX items) and the aggregator (links
      // becoming answered, told by the old and the new image).
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });

    // Apart from the surveys table: nothing here identifies anyone (erasure never touches
    // it, retention differs), and the aggregator's transactions stay on small items.
    // Batch marks expire; aggregates have no expiry and are kept.
    this.aggregatesTable = this.table('AggregatesTable', AGGREGATES_TABLE, {
      prod,
      removalPolicy,
    });

    // The phone pepper keeps the logical id of the single secret all four purposes once
    // came from: a deployed stack keeps its value, so opt-outs and conversations keep
    // matching their hashes; the other three purposes get new keys of their own.
    this.surveyKeySecrets = {
      'phone-hash': this.generatedSecret('SurveyKeysSecret', {
        description:
          'Pepper of the phone-number hashes that match SMS replies and opt-outs: {"key"}',
        field: 'key',
        length: 64,
        removalPolicy,
        notRotatedBecause:
          'Every opt-out, conversation and invitation is found by a phone hash made with this pepper; a new pepper would forget every opt-out, so it changes only by a planned migration that re-hashes, not on a schedule.',
      }),
      'invitation-id': this.generatedSecret('InvitationIdKeySecret', {
        description: 'Key that derives invitation ids from operator events: {"key"}',
        field: 'key',
        length: 64,
        removalPolicy,
        notRotatedBecause:
          'A repeated invitation request is recognized by the id this key derives from its event; a new key would turn every repeat of an earlier event into a new invitation, so it changes only by a planned migration, not on a schedule.',
      }),
      'survey-token': this.generatedSecret('SurveyTokenKeySecret', {
        description: 'Key that derives survey link tokens from invitation ids: {"key"}',
        field: 'key',
        length: 64,
        removalPolicy,
        notRotatedBecause:
          'A repeated invitation request answers the same link, derived again with this key; a new key would answer links that do not open, so it changes only by a planned migration once open links have expired, not on a schedule.',
      }),
      'phone-encryption': this.generatedSecret('PhoneEncryptionKeySecret', {
        description:
          'Key that encrypts the phone number an SMS invitation keeps until sent: {"key"}',
        field: 'key',
        length: 64,
        removalPolicy,
        notRotatedBecause:
          'Invitations waiting for quiet hours to end hold numbers encrypted with this key; a new key would leave them unsendable, so it changes only by a planned migration when no SMS waits, not on a schedule.',
      }),
    };
    this.smsAuthTokenSecret = this.generatedSecret('SmsAuthTokenSecret', {
      description: 'The SMS gateway auth token that signs inbound SMS webhooks: {"authToken"}',
      field: 'authToken',
      length: 32,
      removalPolicy,
      notRotatedBecause:
        "The SMS gateway issues this token and signs with it; it is rotated in the gateway's console and then copied here (docs/operations.md, Secrets to set after the first deploy), which no rotation Lambda can do.",
    });

    this.edgeOriginSecret = props.config.edge
      ? this.generatedSecret('EdgeOriginSecret', {
          description:
            'The header value CloudFront adds to requests it passes to the HTTP API: {"current", "previous"?}',
          field: 'current',
          length: 48,
          removalPolicy,
          notRotatedBecause:
            'CloudFormation writes this value into the distribution\'s origin header when it deploys the distribution, so a new value takes effect by a deployment, not by a rotation Lambda; the functions accept a "previous" value meanwhile (docs/operations.md, The edge).',
        })
      : undefined;

    this.smsInboundTopic = new Topic(this, 'SmsInboundTopic', {
      displayName: 'Inbound two-way SMS (AWS End User Messaging)',
      masterKey: this.dataKey,
      enforceSSL: true,
    });
    // End User Messaging publishes inbound SMS to the topic and encrypts with the data key.
    // Only on behalf of this account's numbers and pools (no confused deputy).
    const smsVoice = this.servicePrincipalOfThisAccount('sms-voice', '*');
    this.smsInboundTopic.grantPublish(smsVoice);
    this.dataKey.grant(smsVoice, 'kms:Decrypt', 'kms:GenerateDataKey*');

    // Failed outbox stream batches and wake-ups that kept failing land here (alarmed).
    this.smsDeadLetterQueue = this.deadLetterQueue('SmsDeadLetterQueue', removalPolicy);
    // Response batches that could not be aggregated after their retries (alarmed).
    this.aggregationDeadLetterQueue = this.deadLetterQueue(
      'AggregationDeadLetterQueue',
      removalPolicy,
    );
    Validations.of(this.aggregationDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is a dead-letter queue: the on-failure destination of the response aggregator's stream event source (cdk-nag only recognises redrive targets). Its messages are alarmed; a last-resort queue has no queue behind it.",
    });
    // Complaint state changes that could not be aggregated after their retries (alarmed).
    this.complaintAggregationDeadLetterQueue = this.deadLetterQueue(
      'ComplaintAggregationDeadLetterQueue',
      removalPolicy,
    );
    Validations.of(this.complaintAggregationDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is a dead-letter queue: the on-failure destination of the complaint aggregator's stream event source (cdk-nag only recognises redrive targets). Its messages are alarmed; a last-resort queue has no queue behind it.",
    });
    // Answers whose case could not be opened after their retries (alarmed).
    this.followUpDeadLetterQueue = this.deadLetterQueue('FollowUpDeadLetterQueue', removalPolicy);
    Validations.of(this.followUpDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is a dead-letter queue: the case delivery queue's and the reminder run queue's redrive target, the reminder schedule's dead-letter queue, and the on-failure destination of the follow-up case function's stream event source. Its messages are alarmed; a last-resort queue has no queue behind it.",
    });
    // A delivery is retried by staying invisible until due (up to 6 h at a time), for
    // more than a day; a receive count past the schedule's attempts means repeated crashes.
    this.caseDeliveryQueue = new Queue(this, 'CaseDeliveryQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.dataKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.caseDeliveryTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: {
        queue: this.followUpDeadLetterQueue,
        maxReceiveCount: DELIVERY_SCHEDULE.maxAttempts,
      },
      removalPolicy,
    });
    // A run that keeps failing joins the follow-up's dead letters (alarmed); the next run
    // reads the hours before it, so nothing waits on a retry.
    this.reminderRunsQueue = this.workQueue('ReminderRunsQueue', {
      consumerTimeout: props.remindersTimeout,
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: this.followUpDeadLetterQueue,
      removalPolicy,
    });
    this.followUpEndpointSecrets = new Map(
      props.config.followUpEndpoints.map(({ name, secretArn }) => [
        name,
        secretArn
          ? Secret.fromSecretCompleteArn(this, `FollowUpEndpointSecret-${name}`, secretArn)
          : this.generatedSecret(`FollowUpEndpointSecret-${name}`, {
              description: `Standard Webhooks secrets of follow-up endpoint "${name}": {"current", "previous"?}`,
              field: 'current',
              // 44 letters and digits are valid base64 (33 bytes), as a whsec_ secret's body is.
              length: 44,
              removalPolicy,
              notRotatedBecause:
                'Rotated by hand with the operator\'s receiver that shares it: the secret holds "current" and "previous", and both sign during a rotation (docs/operations.md, Rotation). An automatic rotation Lambda cannot update the receiver.',
            }),
      ]),
    );
    // Deferred SMS sleep here (delayed messages naming only the invitation).
    this.smsWakeUpQueue = this.workQueue('SmsWakeUpQueue', {
      consumerTimeout: props.smsSenderTimeout,
      retentionPeriod: Duration.days(2),
      deadLetterQueue: this.smsDeadLetterQueue,
      removalPolicy,
    });

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'Telecom service quality alarms',
      masterKey: this.dataKey,
      enforceSSL: true,
    });
    if (props.config.alarmEmail) {
      this.alarmTopic.addSubscription(new EmailSubscription(props.config.alarmEmail));
    }

    // Server access logs of the reports bucket: who read which report file, from S3's side.
    const accessLogs = new Bucket(this, 'ReportsAccessLogsBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // No ACLs: S3 log delivery is granted by bucket policy.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(prod ? 3653 : 90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log bucket of the reports bucket; logging a log bucket into itself would log its own log deliveries without end.',
    });
    this.reportsBucket = new Bucket(this, 'ReportsBucket', {
      bucketName: reportsBucketName(props.config.stage, this.account, this.region),
      encryption: BucketEncryption.KMS,
      encryptionKey: this.dataKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      // Reports are immutable: in prod no one, root included, can change or delete one
      // before its retention ends; elsewhere governance mode lets a stage be torn down.
      objectLockEnabled: true,
      objectLockDefaultRetention: prod
        ? ObjectLockRetention.compliance(Duration.days(props.config.reportRetentionDays))
        : ObjectLockRetention.governance(Duration.days(props.config.reportRetentionDays)),
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'reports/',
      // An extract part is a multipart upload: a build that dies mid-part leaves parts
      // that are no object (and no report), removed after a day.
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.reportRunsDeadLetterQueue = this.deadLetterQueue(
      'ReportRunsDeadLetterQueue',
      removalPolicy,
    );
    this.reportRunsQueue = this.workQueue('ReportRunsQueue', {
      consumerTimeout: props.reportBuilderTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: this.reportRunsDeadLetterQueue,
      removalPolicy,
    });
    // A check that keeps failing joins the report runs' dead letters (alarmed); the next
    // hour's check looks at the same reports, so nothing waits on a retry.
    this.reportChecksQueue = this.workQueue('ReportChecksQueue', {
      consumerTimeout: props.missedSchedulesTimeout,
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: this.reportRunsDeadLetterQueue,
      removalPolicy,
    });
    const notices = props.config.noticeSender !== '';
    this.reportsTable = this.table('ReportsTable', REPORTS_TABLE, {
      prod,
      removalPolicy,
      // With notices, the stream tells of each new index entry: a publication.
      ...(notices ? { stream: StreamViewType.NEW_IMAGE } : {}),
    });
    if (notices) {
      this.noticeDeadLetterQueue = this.deadLetterQueue('NoticeDeadLetterQueue', removalPolicy);
      // Four days to retry: SES refusing for a while delays notices, and loses none.
      this.noticeQueue = this.workQueue('NoticeQueue', {
        consumerTimeout: props.noticeSenderTimeout,
        retentionPeriod: Duration.days(4),
        deadLetterQueue: this.noticeDeadLetterQueue,
        removalPolicy,
      });
    }
    this.sessionsTable = this.table('SessionsTable', SESSIONS_TABLE, { prod, removalPolicy });
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `tsq-${props.config.stage}-people`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Threat protection: compromised-credential checks and adaptive authentication for
      // the few people who can read every report.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: prod,
      removalPolicy,
    });
    for (const [group, description] of [
      ['regulators', 'Read reports (not the assessor extracts)'],
      ['assessors', 'Read reports and their pseudonymised extracts'],
      ['admins', 'Run reports, upload reference data, erase customers, manage people'],
    ] as const) {
      new CfnUserPoolGroup(this, `Group-${group}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        description,
      });
    }
    this.userPoolClient = this.userPool.addClient('PeopleClient', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    // Managed login, for the portal's OpenID Connect sign-in (MFA as the pool requires).
    this.loginDomain = this.userPool.addDomain('LoginDomain', {
      cognitoDomain: {
        domainPrefix:
          props.config.loginDomainPrefix || `tsq-${props.config.stage}-${Aws.ACCOUNT_ID}`,
      },
    });
    // For `npm run admin -- add-user` and the people's sign-in tools.
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });

    this.reportSigningKey = new Key(this, 'ReportSigningKey', {
      description: 'Signs report manifests (ECDSA P-256, SHA-256); the public key verifies them',
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** One secret per webhook source: `{"current", "previous"?}` for rotation without downtime. */
  private webhookSecrets(id: string, sources: string[], removalPolicy: RemovalPolicy) {
    const secrets = new Map<string, Secret>();
    for (const source of sources) {
      const secret = this.generatedSecret(`${id}-${source}`, {
        description: `HMAC signing secrets of source "${source}": {"current", "previous"?}`,
        field: 'current',
        length: 48,
        removalPolicy,
        notRotatedBecause:
          'Rotated by hand with the operator system that shares it: the secret holds "current" and "previous" so both sides switch without downtime (docs/operations.md, Rotation). An automatic rotation Lambda cannot update the sender.',
      });
      secrets.set(source, secret);
    }
    return secrets;
  }

  /**
   * A table of the project as its module in shared/tables designs it (string keys, TTL
   * where items expire, its indexes): on demand, the data key, PITR, deletion protection
   * in prod.
   */
  private table(
    id: string,
    design: TableDesign,
    options: {
      prod: boolean;
      removalPolicy: RemovalPolicy;
      stream?: StreamViewType;
    },
  ) {
    const table = new Table(this, id, {
      partitionKey: { name: design.partitionKey, type: AttributeType.STRING },
      sortKey: { name: design.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(design.timeToLiveAttribute ? { timeToLiveAttribute: design.timeToLiveAttribute } : {}),
      ...(options.stream ? { stream: options.stream } : {}),
      deletionProtection: options.prod,
      removalPolicy: options.removalPolicy,
    });
    for (const index of globalSecondaryIndexes(design)) table.addGlobalSecondaryIndex(index);
    return table;
  }

  /** A dead-letter queue: KMS, TLS only, fourteen days to look at what failed. */
  /**
   * A service principal that acts only for this account's resources of that service
   * (`aws:SourceAccount`, `aws:SourceArn`): another account's alarms or SMS numbers cannot
   * make the service use our key or publish to our topic.
   */
  private servicePrincipalOfThisAccount(service: string, resource: string) {
    return new ServicePrincipal(`${service}.amazonaws.com`, {
      conditions: {
        StringEquals: { 'aws:SourceAccount': this.account },
        ArnLike: {
          'aws:SourceArn': `arn:${this.partition}:${service}:${this.region}:${this.account}:${resource}`,
        },
      },
    });
  }

  private deadLetterQueue(id: string, removalPolicy: RemovalPolicy) {
    return new Queue(this, id, {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
  }

  /**
   * A queue a function consumes: KMS, TLS only, redrive after five receives, and a
   * visibility timeout six times the consumer's timeout.
   */
  private workQueue(
    id: string,
    options: {
      consumerTimeout: Duration;
      retentionPeriod: Duration;
      deadLetterQueue: Queue;
      removalPolicy: RemovalPolicy;
    },
  ) {
    return new Queue(this, id, {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.dataKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(options.consumerTimeout.toSeconds() * 6),
      retentionPeriod: options.retentionPeriod,
      deadLetterQueue: { queue: options.deadLetterQueue, maxReceiveCount: 5 },
      removalPolicy: options.removalPolicy,
    });
  }

  /**
   * A secret encrypted with the data key, generated as `{"<field>": random}`, with the
   * reason it is not rotated by a Lambda (cdk-nag SMG4).
   */
  private generatedSecret(
    id: string,
    options: {
      description: string;
      field: string;
      length: number;
      removalPolicy: RemovalPolicy;
      notRotatedBecause: string;
    },
  ) {
    const secret = new Secret(this, id, {
      description: options.description,
      encryptionKey: this.dataKey,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: options.field,
        excludePunctuation: true,
        passwordLength: options.length,
      },
      removalPolicy: options.removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: options.notRotatedBecause,
    });
    return secret;
  }
}

/**
 * The reports bucket's name: fixed by stage, account and region, so that the stateless
 * stack names its objects in IAM without a cross-stack import.
 */
export function reportsBucketName(stage: string, account: string, region: string): string {
  return `tsq-${stage}-reports-${account}-${region}`;
}
