import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ProjectFunction } from '../constructs/project-function.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface ComplaintsProps extends FeatureProps {
  complaintsTable: ITable;
  /** Verified complaint events wait here for the processor. */
  complaintEventsQueue: IQueue;
  /** Per complaint source, the secret its webhooks are signed with. */
  complaintSourceSecrets: ReadonlyMap<string, ISecret>;
}

/**
 * Complaints from operator systems: signed webhooks verified and queued by the intake,
 * then applied to complaint state exactly once by the processor.
 */
export class Complaints extends Feature {
  readonly complaintIntake: ProjectFunction;
  readonly complaintProcessor: ProjectFunction;

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
  }
}
