import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SURVEY_ITEMS } from '#shared/tables/surveys.ts';
import { TABLE_KEY } from '#shared/tables/table.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface SurveyResponsesProps extends FeatureProps {
  /** Survey links, SMS conversations and opt-outs; its stream feeds the aggregator. */
  surveysTable: ITable;
  /** Anonymous daily aggregates, the aggregator's only write. */
  aggregatesTable: ITable;
  /** The pepper of phone hashes, which match an SMS reply to its invitation and opt-out. */
  phonePepperSecret: ISecret;
  /** The SMS gateway's auth token, which signs its inbound webhooks. */
  smsAuthTokenSecret: ISecret;
  /** Where AWS End User Messaging publishes inbound two-way SMS. */
  smsInboundTopic: ITopic;
  /** Inbound SMS that failed after Lambda's retries. */
  smsDeadLetterQueue: IQueue;
  /** Stream batches the aggregator gave up on. */
  aggregationDeadLetterQueue: IQueue;
  /** The API's public base URL, which the SMS gateway signs its webhook calls against. */
  apiBaseUrl: string;
}

/**
 * Survey responses: answers by the web page or by SMS reply (through a gateway's webhook
 * or from AWS End User Messaging over SNS), counted exactly once into daily aggregates
 * from the surveys table's stream.
 */
export class SurveyResponses extends Feature {
  readonly surveyPage: ProjectFunction;
  readonly responseAggregator: ProjectFunction;
  readonly smsInbound: ProjectFunction;
  readonly smsInboundSns: ProjectFunction;

  constructor(scope: Construct, id: string, props: SurveyResponsesProps) {
    super(scope, id);
    const { config, dataKey, surveysTable } = props;

    this.surveyPage = new ProjectFunction(this, 'SurveyPage', {
      entry: 'survey-page',
      perResponse: true,
      description: 'Serves the web survey page and records its answers, once per link',
      environment: {
        SURVEYS_TABLE_NAME: surveysTable.tableName,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
      },
      ...props.logs,
    });
    // Read the link; answer it with one conditional update.
    this.surveyPage.grantTable(surveysTable, dataKey, ['GetItem', 'UpdateItem']);
    props.api.addSelfAuthenticatedRoutes(
      'SurveyPageIntegration',
      this.surveyPage,
      'GET /s/{token}',
      'POST /s/{token}',
    );

    this.responseAggregator = new ProjectFunction(this, 'ResponseAggregator', {
      entry: 'response-aggregator',
      perResponse: true,
      description: 'Counts new survey responses into sharded daily aggregates, exactly once',
      wildcardResourceReason:
        'dynamodb:ListStreams also uses Resource "*": the stream event source needs it and it has no resource-level permissions.',
      environment: {
        AGGREGATES_TABLE_NAME: props.aggregatesTable.tableName,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
      },
      ...props.logs,
    });
    // The batch mark (Put, and Get when a redelivery finds it) and the aggregate ADDs.
    this.responseAggregator.grantTable(props.aggregatesTable, dataKey, [
      'PutItem',
      'UpdateItem',
      'GetItem',
    ]);
    this.responseAggregator.addEventSource(
      new DynamoEventSource(surveysTable, {
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
        // invitation reaching its customer (a web link created, an SMS sent or perhaps sent): the
        // response rate's numerator and denominator.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            dynamodb: {
              Keys: { [TABLE_KEY.sortKey]: { S: FilterRule.isEqual(SURVEY_ITEMS.token) } },
              NewImage: { answeredAt: { S: FilterRule.exists() } },
              OldImage: { answeredAt: { S: FilterRule.notExists() } },
            },
          }),
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: {
              Keys: { [TABLE_KEY.sortKey]: { S: FilterRule.isEqual(SURVEY_ITEMS.token) } },
              NewImage: { channel: { S: FilterRule.isEqual('web') } },
            },
          }),
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('MODIFY'),
            dynamodb: {
              Keys: { [TABLE_KEY.sortKey]: { S: FilterRule.isEqual(SURVEY_ITEMS.invitation) } },
              // An `unconfirmed` SMS counts as sent: the rate may be understated, never
              // overstated (docs/design.md §3).
              NewImage: { status: { S: FilterRule.or('sent', 'unconfirmed') } },
              OldImage: { status: { S: FilterRule.notEquals('sent') } },
            },
          }),
        ],
        retryAttempts: 5,
        onFailure: new SqsDlq(props.aggregationDeadLetterQueue),
      }),
    );

    this.smsInbound = new ProjectFunction(this, 'SmsInbound', {
      entry: 'sms-inbound',
      perResponse: true,
      description: 'Answers inbound SMS: survey replies, opt-out, START and HELP',
      readsSecrets: true,
      environment: {
        SURVEYS_TABLE_NAME: surveysTable.tableName,
        SMS_INBOUND_URL: `${props.apiBaseUrl}/sms/inbound`,
        SMS_NUMBERS: JSON.stringify(config.smsNumbers),
        SMS_AUTH_TOKEN_SECRET_ARN: props.smsAuthTokenSecret.secretArn,
        PHONE_PEPPER_SECRET_ARN: props.phonePepperSecret.secretArn,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
      },
      ...props.logs,
    });
    this.grantConversation(this.smsInbound, props);
    this.smsInbound.grantSecretsRead([props.smsAuthTokenSecret, props.phonePepperSecret], dataKey);
    props.api.addSelfAuthenticatedRoutes(
      'SmsInboundIntegration',
      this.smsInbound,
      'POST /sms/inbound',
    );

    this.smsInboundSns = new ProjectFunction(this, 'SmsInboundSns', {
      entry: 'sms-inbound-sns',
      perResponse: true,
      description: 'Answers inbound two-way SMS from AWS End User Messaging (via SNS)',
      readsSecrets: true,
      wildcardResourceReason:
        'sns:Publish also uses Resource "*": the reply SMS is published to a phone number, which has no ARN to name.',
      environment: {
        SURVEYS_TABLE_NAME: surveysTable.tableName,
        PHONE_PEPPER_SECRET_ARN: props.phonePepperSecret.secretArn,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
        SMS_SENDER_ID: config.smsSenderId,
        SMS_NUMBERS: JSON.stringify(config.smsNumbers),
      },
      ...props.logs,
    });
    this.grantConversation(this.smsInboundSns, props);
    this.smsInboundSns.grantSmsPublish();
    this.smsInboundSns.grantSecretsRead([props.phonePepperSecret], dataKey);
    // SNS invokes asynchronously: after Lambda's retries a message lands in the SMS DLQ.
    this.smsInboundSns.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SqsDestination(props.smsDeadLetterQueue),
    });
    props.smsInboundTopic.addSubscription(new LambdaSubscription(this.smsInboundSns));
  }

  /** The conversation, opt-outs and message ids; a finished survey answers its link. */
  private grantConversation(fn: ProjectFunction, props: SurveyResponsesProps) {
    fn.grantTable(props.surveysTable, props.dataKey, [
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
    ]);
  }
}
