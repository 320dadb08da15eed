import { Duration, Stack } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { SurveyKeyPurpose } from '#shared/domain/survey-token.ts';
import { SURVEY_ITEMS } from '#shared/tables/surveys.ts';
import { TABLE_KEY } from '#shared/tables/table.ts';
import { SMS_UNCONFIRMED_METRIC } from '#shared/use-cases/send-invitation-sms.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { FUNCTION_TIMEOUTS } from '../function-timeouts.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface InvitationsProps extends FeatureProps {
  /** Invitations, survey links and the SMS outbox; its stream feeds the sender. */
  surveysTable: ITable;
  /** Per operator system, the secret its invitation requests are signed with. */
  invitationSourceSecrets: ReadonlyMap<string, ISecret>;
  /** The survey keys' secrets, one per purpose; each function is granted only its own. */
  surveyKeySecrets: Readonly<Record<SurveyKeyPurpose, ISecret>>;
  /** Deferred SMS (quiet hours) sleep here until they may be sent. */
  smsWakeUpQueue: IQueue;
  /** Outbox records the sender gave up on. */
  smsDeadLetterQueue: IQueue;
  /** Where survey links point: the configured base URL or the API's own. */
  surveyBaseUrl: string;
}

/**
 * Survey invitations: created from signed operator requests by the intake (one
 * transaction that also writes the SMS outbox), and sent by SMS, once each, outside
 * quiet hours, from the outbox on the surveys table's stream or, when deferred, from
 * the wake-up queue.
 */
export class Invitations extends Feature {
  readonly invitationIntake: ProjectFunction;
  readonly smsSender: ProjectFunction;
  /** SMS whose sender died between SNS and its record: sent or not, nobody knows. */
  readonly smsUnconfirmed: Metric;

  constructor(scope: Construct, id: string, props: InvitationsProps) {
    super(scope, id);
    const { config, dataKey, surveysTable } = props;

    this.invitationIntake = new ProjectFunction(this, 'InvitationIntake', {
      entry: 'invitation-intake',
      perResponse: true,
      description: 'Creates survey invitations from signed operator requests',
      readsSecrets: true,
      environment: {
        SURVEYS_TABLE_NAME: surveysTable.tableName,
        INVITATION_SOURCE_SECRETS: Stack.of(this).toJsonString(
          Object.fromEntries(
            [...props.invitationSourceSecrets].map(([source, secret]) => [
              source,
              secret.secretArn,
            ]),
          ),
        ),
        INVITATION_ID_KEY_SECRET_ARN: props.surveyKeySecrets['invitation-id'].secretArn,
        SURVEY_TOKEN_KEY_SECRET_ARN: props.surveyKeySecrets['survey-token'].secretArn,
        PHONE_PEPPER_SECRET_ARN: props.surveyKeySecrets['phone-hash'].secretArn,
        PHONE_ENCRYPTION_KEY_SECRET_ARN: props.surveyKeySecrets['phone-encryption'].secretArn,
        SURVEY_BASE_URL: props.surveyBaseUrl,
        OPERATOR_SOURCE_CIDRS: JSON.stringify(config.operatorSourceCidrs),
        SURVEY_TOKEN_TTL_DAYS: String(config.surveyTokenTtlDays),
        REMINDER_AFTER_DAYS: String(config.reminderAfterDays),
        // SMS reminders are ours to send; web ones go to the endpoints that take them.
        REMINDER_CHANNELS: JSON.stringify([
          'sms',
          ...(config.followUpEndpoints.some(({ eventTypes }) =>
            eventTypes.includes('invitation.reminder_due'),
          )
            ? ['web']
            : []),
        ]),
        FREQUENCY_CAP_DAYS: String(config.frequencyCapDays),
        QUIET_HOURS: config.quietHours,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
      },
      ...props.logs,
    });
    // Reads for the decision, one transaction to create (no scan, no delete).
    this.invitationIntake.grantTable(surveysTable, dataKey, [
      'GetItem',
      'BatchGetItem',
      'PutItem',
      'ConditionCheckItem',
    ]);
    this.invitationIntake.grantSecretsRead(
      // Every purpose: it derives ids and links, hashes and encrypts the number.
      [...props.invitationSourceSecrets.values(), ...Object.values(props.surveyKeySecrets)],
      dataKey,
    );
    props.api.addSelfAuthenticatedRoutes(
      'InvitationIntakeIntegration',
      this.invitationIntake,
      'POST /invitations',
    );

    this.smsSender = new ProjectFunction(this, 'SmsSender', {
      entry: 'sms-sender',
      perResponse: true,
      description: 'Sends survey invitations by SMS, once each, outside quiet hours',
      readsSecrets: true,
      wildcardResourceReason:
        'sns:Publish also uses Resource "*": an SMS is published to a phone number, which has no ARN to name; so does dynamodb:ListStreams, which the stream event source needs and which has no resource-level permissions.',
      environment: {
        SURVEYS_TABLE_NAME: surveysTable.tableName,
        SMS_WAKE_UP_QUEUE_URL: props.smsWakeUpQueue.queueUrl,
        PHONE_ENCRYPTION_KEY_SECRET_ARN: props.surveyKeySecrets['phone-encryption'].secretArn,
        SURVEY_TOKEN_KEY_SECRET_ARN: props.surveyKeySecrets['survey-token'].secretArn,
        SURVEY_BASE_URL: props.surveyBaseUrl,
        SMS_SENDER_ID: config.smsSenderId,
        // Twice its time limit: a claim older than that has no sender left to finish it.
        SMS_CLAIM_LEASE_SECONDS: String(FUNCTION_TIMEOUTS['sms-sender'].toSeconds() * 2),
      },
      ...props.logs,
    });
    this.smsSender.grantTable(surveysTable, dataKey, [
      'BatchGetItem',
      'UpdateItem',
      'PutItem',
      'DeleteItem',
    ]);
    this.smsUnconfirmed = new Metric({
      namespace: 'TelecomServiceQuality',
      metricName: SMS_UNCONFIRMED_METRIC,
      // Powertools adds the function's service name as the metric's one dimension.
      dimensionsMap: { service: 'sms-sender' },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    this.smsSender.grantSmsPublish();
    props.smsWakeUpQueue.grantSendMessages(this.smsSender);
    // Only the key that decrypts the number it sends to.
    // The number to decrypt; a reminder's link to make again.
    this.smsSender.grantSecretsRead(
      [props.surveyKeySecrets['phone-encryption'], props.surveyKeySecrets['survey-token']],
      dataKey,
    );
    // New OUTBOX items on the surveys table's stream: the transactional outbox.
    this.smsSender.addEventSource(
      new DynamoEventSource(surveysTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: {
              Keys: { [TABLE_KEY.sortKey]: { S: FilterRule.isEqual(SURVEY_ITEMS.smsOutbox) } },
            },
          }),
        ],
        retryAttempts: 5,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(props.smsDeadLetterQueue),
      }),
    );
    this.smsSender.addEventSource(
      new SqsEventSource(props.smsWakeUpQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        // Caps the sending rate of deferred SMS: at most two batches in flight.
        maxConcurrency: 2,
      }),
    );
  }
}
