import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { complaintKeys } from '#shared/tables/complaints.ts';
import { TABLE_KEY } from '#shared/tables/table.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface ComplaintsProps extends FeatureProps {
  /** Complaint events and states; its stream feeds the complaint aggregator. */
  complaintsTable: ITable;
  /** Anonymous counters: the complaint aggregator's only write. */
  aggregatesTable: ITable;
  /** Complaint stream batches the aggregator gave up on. */
  complaintAggregationDeadLetterQueue: IQueue;
  /** Verified complaint events wait here for the processor. */
  complaintEventsQueue: IQueue;
  /** Per complaint source, the secret its webhooks are signed with. */
  complaintSourceSecrets: ReadonlyMap<string, ISecret>;
}

/**
 * Complaints from operator systems: signed webhooks verified and queued by the intake,
 * applied to complaint state exactly once by the processor, and each state's change
 * counted exactly once into monthly aggregates from the complaints table's stream.
 */
export class Complaints extends Feature {
  readonly complaintIntake: ProjectFunction;
  readonly complaintProcessor: ProjectFunction;
  readonly complaintAggregator: ProjectFunction;

  constructor(scope: Construct, id: string, props: ComplaintsProps) {
    super(scope, id);
    const { config, dataKey } = props;

    this.complaintIntake = new ProjectFunction(this, 'ComplaintIntake', {
      entry: 'complaint-intake',
      description: 'Verifies signed complaint webhooks, validates them and queues each event',
      readsSecrets: true,
      environment: {
        COMPLAINT_EVENTS_QUEUE_URL: props.complaintEventsQueue.queueUrl,
        OPERATOR_SOURCE_CIDRS: JSON.stringify(config.operatorSourceCidrs),
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
        COMPLAINT_SOURCE_SECRETS: Stack.of(this).toJsonString(
          Object.fromEntries(
            [...props.complaintSourceSecrets].map(([source, secret]) => [source, secret.secretArn]),
          ),
        ),
      },
      ...props.logs,
    });
    props.complaintEventsQueue.grantSendMessages(this.complaintIntake);
    this.complaintIntake.grantSecretsRead([...props.complaintSourceSecrets.values()], dataKey);
    props.api.addSelfAuthenticatedRoutes(
      'ComplaintIntakeIntegration',
      this.complaintIntake,
      'POST /webhooks/complaints/{source}',
    );

    this.complaintProcessor = new ProjectFunction(this, 'ComplaintProcessor', {
      entry: 'complaint-processor',
      description: 'Applies complaint lifecycle events to complaint state, exactly once',
      memorySize: 512,
      environment: {
        COMPLAINTS_TABLE_NAME: props.complaintsTable.tableName,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
        RAW_DATA_RETENTION_DAYS: String(config.rawDataRetentionDays),
      },
      ...props.logs,
    });
    // Exactly what the processor does: read a complaint's partition, write it in a transaction.
    this.complaintProcessor.grantTable(props.complaintsTable, dataKey, [
      'Query',
      'PutItem',
      'ConditionCheckItem',
    ]);
    this.complaintProcessor.addEventSource(
      new SqsEventSource(props.complaintEventsQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );

    this.complaintAggregator = new ProjectFunction(this, 'ComplaintAggregator', {
      entry: 'complaint-aggregator',
      description: 'Counts complaint state changes into sharded monthly aggregates, exactly once',
      wildcardResourceReason:
        'dynamodb:ListStreams also uses Resource "*": the stream event source needs it and it has no resource-level permissions.',
      environment: {
        AGGREGATES_TABLE_NAME: props.aggregatesTable.tableName,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
      },
      ...props.logs,
    });
    // The chunk marks (Put, and Get when a redelivery finds one) and the counter ADDs.
    this.complaintAggregator.grantTable(props.aggregatesTable, dataKey, [
      'PutItem',
      'UpdateItem',
      'GetItem',
    ]);
    const stateItem = { [TABLE_KEY.sortKey]: { S: FilterRule.isEqual(complaintKeys.stateSk) } };
    this.complaintAggregator.addEventSource(
      new DynamoEventSource(props.complaintsTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        // A batch is split, in order, into transactions of at most 100 items, each with
        // its own mark: the batch size bounds a run's time, not a transaction.
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        // A failed batch must come back from its first record, in order: the chunk marks
        // that make counting exactly-once are keyed from it.
        bisectBatchOnError: false,
        parallelizationFactor: 1,
        // STATE items only (events are immutable and count nothing); removals only when a
        // person or tool deleted the state: a TTL expiry (by the DynamoDB service) keeps
        // the anonymous counters as the response side's do.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: { Keys: stateItem },
          }),
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('REMOVE'),
            dynamodb: { Keys: stateItem },
            userIdentity: { principalId: FilterRule.notExists() },
          }),
        ],
        retryAttempts: 5,
        onFailure: new SqsDlq(props.complaintAggregationDeadLetterQueue),
      }),
    );
  }
}
