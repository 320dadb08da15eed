import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { followUpImageConditions } from '#shared/domain/follow-up.ts';
import { followUpRules } from '#shared/domain/survey-definitions.ts';
import { answeredLinkPattern } from '#shared/tables/surveys.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface FollowUpProps extends FeatureProps {
  /** Survey links and their answers; its stream brings the answers that need a call back. */
  surveysTable: ITable;
  /** Answers whose case could not be opened, and deliveries given up. */
  followUpDeadLetterQueue: IQueue;
  /** Case deliveries waiting for their next attempt. */
  caseDeliveryQueue: IQueue;
  /** Per endpoint, the secret its webhooks are signed with. */
  followUpEndpointSecrets: ReadonlyMap<string, ISecret>;
  /** The operator systems' secrets, which sign case events as they sign invitations. */
  invitationSourceSecrets: ReadonlyMap<string, ISecret>;
  /** A web reminder's webhook carries its link, made again from the survey keys. */
  /** The link tokens' key: a reminder's webhook carries the invitation's link. */
  surveyTokenKeySecret: ISecret;
  /** Where survey links point. */
  surveyBaseUrl: string;
}

/**
 * Follow-up cases (docs/design.md §10): an answer that meets its touchpoint's rule opens
 * one case beside its invitation. The stream mapping's filters are the rules themselves,
 * so other answers never invoke the function. Each case is delivered to the operator's
 * endpoints as signed webhooks, retried from a queue, at most two at a time.
 */
export class FollowUp extends Feature {
  readonly followUpCases: ProjectFunction;
  readonly caseDelivery: ProjectFunction;
  readonly caseEvents: ProjectFunction;

  constructor(scope: Construct, id: string, props: FollowUpProps) {
    super(scope, id);
    const { config, dataKey, surveysTable } = props;

    this.followUpCases = new ProjectFunction(this, 'FollowUpCases', {
      entry: 'follow-up-cases',
      description: 'Opens one follow-up case for each answer that needs a call back',
      wildcardResourceReason:
        'dynamodb:ListStreams also uses Resource "*": the stream event source needs it and it has no resource-level permissions.',
      environment: {
        SURVEYS_TABLE_NAME: surveysTable.tableName,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
        CASE_DELIVERY_QUEUE_URL: props.caseDeliveryQueue.queueUrl,
        CASE_OPENED_ENDPOINTS: JSON.stringify(
          Object.fromEntries(
            config.followUpEndpoints
              .filter(({ eventTypes }) => eventTypes.includes('case.opened'))
              .map(({ name, url }) => [name, url]),
          ),
        ),
      },
      ...props.logs,
    });
    // The invitation's customer reference; the case, put only if absent, read again when
    // it exists, deleted again when its invitation is found erased right after, marked
    // once its deliveries are queued.
    this.followUpCases.grantTable(surveysTable, dataKey, [
      'GetItem',
      'PutItem',
      'DeleteItem',
      'UpdateItem',
    ]);
    props.caseDeliveryQueue.grantSendMessages(this.followUpCases);
    this.followUpCases.addEventSource(
      new DynamoEventSource(surveysTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        // A link becoming answered with scores its touchpoint's rule calls back on.
        filters: followUpImageConditions(followUpRules()).map((newImage) =>
          FilterCriteria.filter(answeredLinkPattern(newImage)),
        ),
        retryAttempts: 5,
        onFailure: new SqsDlq(props.followUpDeadLetterQueue),
      }),
    );

    const secrets = props.followUpEndpointSecrets;
    this.caseDelivery = new ProjectFunction(this, 'CaseDelivery', {
      entry: 'case-delivery',
      description: "Delivers follow-up cases to the operator's endpoints as signed webhooks",
      readsSecrets: true,
      environment: {
        SURVEYS_TABLE_NAME: surveysTable.tableName,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
        CASE_DELIVERY_QUEUE_URL: props.caseDeliveryQueue.queueUrl,
        FOLLOW_UP_DEAD_LETTER_QUEUE_URL: props.followUpDeadLetterQueue.queueUrl,
        CASE_ENDPOINT_URLS: JSON.stringify(
          Object.fromEntries(config.followUpEndpoints.map(({ name, url }) => [name, url])),
        ),
        CASE_ENDPOINT_SECRETS: JSON.stringify(
          Object.fromEntries([...secrets].map(([name, secret]) => [name, secret.secretArn])),
        ),
        SURVEY_TOKEN_KEY_SECRET_ARN: props.surveyTokenKeySecret.secretArn,
        SURVEY_BASE_URL: props.surveyBaseUrl,
      },
      ...props.logs,
    });
    // Read the case (or the reminder's invitation and link); keep each attempt on it.
    this.caseDelivery.grantTable(surveysTable, dataKey, ['GetItem', 'UpdateItem']);
    this.caseDelivery.grantSecretsRead([...secrets.values(), props.surveyTokenKeySecret], dataKey);
    props.followUpDeadLetterQueue.grantSendMessages(this.caseDelivery);
    this.caseDelivery.addEventSource(
      new SqsEventSource(props.caseDeliveryQueue, {
        batchSize: 5,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        // The rate limit: at most this many batches, so requests, at once across endpoints
        // (two by default). The mapping's consume grant includes ChangeMessageVisibility, by
        // which a delivery to retry stays invisible until it is due.
        maxConcurrency: config.caseDeliveryConcurrency,
      }),
    );

    this.caseEvents = new ProjectFunction(this, 'CaseEvents', {
      entry: 'case-events',
      description: 'Records follow-up status events that operator systems post for a case',
      readsSecrets: true,
      environment: {
        SURVEYS_TABLE_NAME: surveysTable.tableName,
        OPERATOR_SOURCE_CIDRS: JSON.stringify(config.operatorSourceCidrs),
        INVITATION_SOURCE_SECRETS: Stack.of(this).toJsonString(
          Object.fromEntries(
            [...props.invitationSourceSecrets].map(([source, secret]) => [
              source,
              secret.secretArn,
            ]),
          ),
        ),
      },
      ...props.logs,
    });
    // The event added to the case only if new (answering the case), a repeat read, the
    // folded follow-up kept.
    this.caseEvents.grantTable(surveysTable, dataKey, ['GetItem', 'UpdateItem']);
    this.caseEvents.grantSecretsRead([...props.invitationSourceSecrets.values()], dataKey);
    props.api.addSelfAuthenticatedRoutes(
      'CaseEventsIntegration',
      this.caseEvents,
      'POST /cases/{caseId}/events',
    );
  }
}
