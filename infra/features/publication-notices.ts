import { Arn, Stack } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { OPERATOR_PROFILES_DIRECTORY } from '#shared/indicators/profiles.ts';
import { reportKeys } from '#shared/tables/reports.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface PublicationNoticesProps extends FeatureProps {
  /** The report index, whose stream tells of publications; and the log of notices sent. */
  reportsTable: ITable;
  /** Publications waiting for their notices. */
  noticeQueue: IQueue;
  /** Publications whose notices could not all be sent, and stream batches given up. */
  noticeDeadLetterQueue: IQueue;
  /** Whose groups are a profile's audience. */
  userPool: IUserPool;
  /** The portal's public base URL: notices link to `{publicBaseUrl}/portal/reports/{id}`. */
  publicBaseUrl: string;
}

/**
 * Publication notices (docs/design.md §7): each new report index entry (a report, or an
 * edition of one) comes off the reports table's stream onto the notice queue; the notice
 * sender e-mails each person of the profile's audience through Amazon SES, from the
 * `noticeSender` address of the verified `noticeIdentity`, retrying what SES refused.
 */
export class PublicationNotices extends Feature {
  readonly publicationNotices: ProjectFunction;
  readonly noticeSender: ProjectFunction;

  constructor(scope: Construct, id: string, props: PublicationNoticesProps) {
    super(scope, id);
    const { config, dataKey, reportsTable } = props;

    this.publicationNotices = new ProjectFunction(this, 'PublicationNotices', {
      entry: 'publication-notices',
      description: 'Queues the notices of each report published',
      environment: { NOTICE_QUEUE_URL: props.noticeQueue.queueUrl },
      ...props.logs,
    });
    props.noticeQueue.grantSendMessages(this.publicationNotices);
    this.publicationNotices.addEventSource(
      new DynamoEventSource(reportsTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        // A new index entry, and nothing else the table holds (runs, audit, notices sent).
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { pk: { S: FilterRule.isEqual(reportKeys.indexPartition) } } },
          }),
        ],
        retryAttempts: 10,
        onFailure: new SqsDlq(props.noticeDeadLetterQueue),
      }),
    );

    this.noticeSender = new ProjectFunction(this, 'NoticeSender', {
      // A profile's audience and name come from its document.
      ...(config.operatorProfileFiles.length > 0
        ? {
            bundledFiles: {
              directory: OPERATOR_PROFILES_DIRECTORY,
              files: config.operatorProfileFiles,
            },
          }
        : {}),
      entry: 'notice-sender',
      description: "E-mails a publication's notice to the people of its profile's audience",
      environment: {
        USER_POOL_ID: props.userPool.userPoolId,
        REPORTS_TABLE_NAME: reportsTable.tableName,
        NOTICE_SENDER: config.noticeSender,
        PUBLIC_BASE_URL: props.publicBaseUrl,
      },
      ...props.logs,
    });
    this.noticeSender.addEventSource(
      new SqsEventSource(props.noticeQueue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    this.noticeSender.addToRolePolicy(
      new PolicyStatement({
        actions: ['cognito-idp:ListUsersInGroup'],
        resources: [props.userPool.userPoolArn],
      }),
    );
    // Get and put of the notices sent (NOTICE# partitions), and nothing else of the table.
    this.noticeSender.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [reportsTable.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [`${reportKeys.noticePartitionPrefix}*`],
          },
        },
      }),
    );
    dataKey.grantEncryptDecrypt(this.noticeSender);
    // Sending from the one sender address of the one identity.
    this.noticeSender.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          Arn.format(
            { service: 'ses', resource: 'identity', resourceName: config.noticeIdentity },
            Stack.of(this),
          ),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': config.noticeSender } },
      }),
    );
  }
}
