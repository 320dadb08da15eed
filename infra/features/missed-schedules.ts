import { Duration, TimeZone, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { SqsSendMessage } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { OPERATOR_PROFILES_DIRECTORY } from '#shared/indicators/profiles.ts';
import { reportKeys } from '#shared/tables/reports.ts';
import { KeyScopedRole } from '../constructs/key-scoped-role.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface MissedSchedulesProps extends FeatureProps {
  /** The report index it reads, and where the alarms that stand are kept. */
  reportsTable: ITable;
  /** Where the alarm and its clearing go. */
  alarmTopic: ITopic;
  /** The hourly checks wait here for the checker. */
  reportChecksQueue: IQueue;
  /** Where a check that keeps failing, or a schedule's message that cannot be queued, goes. */
  reportRunsDeadLetterQueue: IQueue;
}

/**
 * The missed-schedule alarm (docs/operations.md, Missed scheduled reports): every hour a
 * check compares the periods the report schedules have fired for with the report index,
 * tells the alarm topic of each report still missing `missedScheduleHours` after its
 * schedule fired (naming the profile and period) and of its clearing once it appears,
 * and publishes the count missing as a metric, which a CloudWatch alarm watches.
 */
export class MissedSchedules extends Feature {
  readonly missedSchedules: ProjectFunction;
  /** In ALARM while any scheduled report is missing (the count; the checker names which). */
  readonly missingReportsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: MissedSchedulesProps) {
    super(scope, id);
    const { config, dataKey, reportsTable } = props;

    this.missedSchedules = new ProjectFunction(this, 'MissedSchedules', {
      // The profiles decide which schedules there are, as they do for the report functions.
      ...(config.operatorProfileFiles.length > 0
        ? {
            bundledFiles: {
              directory: OPERATOR_PROFILES_DIRECTORY,
              files: config.operatorProfileFiles,
            },
          }
        : {}),
      entry: 'missed-schedules',
      description: 'Alarms when a scheduled report is not published in time, and clears it',
      environment: {
        REPORTS_TABLE_NAME: reportsTable.tableName,
        ALARM_TOPIC_ARN: props.alarmTopic.topicArn,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
        FIRST_REPORT_MONTH: config.firstReportMonth,
        MISSED_SCHEDULE_HOURS: String(config.missedScheduleHours),
      },
      ...props.logs,
    });
    // Query: the report index and the alarms that stand.
    this.missedSchedules.grantTable(reportsTable, dataKey, ['Query']);
    // Put and delete of the alarms that stand, and of nothing else of the table.
    this.missedSchedules.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [reportsTable.tableArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'dynamodb:LeadingKeys': [reportKeys.missedSchedulesPartition],
          },
        },
      }),
    );
    // The topic is encrypted with the data key, which the table grant already covers.
    props.alarmTopic.grantPublish(this.missedSchedules);
    this.missedSchedules.addEventSource(
      new SqsEventSource(props.reportChecksQueue, {
        batchSize: 1,
        // Two at most (Lambda's least): an hourly check never overlaps another.
        maxConcurrency: 2,
        reportBatchItemFailures: true,
      }),
    );

    const schedulerRole = new KeyScopedRole(this, 'ReportCheckSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets the missed-schedule check queue its runs',
    });
    Validations.of(schedulerRole).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'kms:GenerateDataKey* is the action family SQS needs to encrypt a message with a customer-managed key; the statement names the one data key, and the role can only send to the report check queue.',
    });
    new Schedule(this, 'MissedScheduleCheck', {
      description: 'Checks every hour that each scheduled report was published in time',
      schedule: ScheduleExpression.cron({
        minute: '0',
        timeZone: TimeZone.of(config.reportingTimeZone),
      }),
      target: new SqsSendMessage(props.reportChecksQueue, {
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        deadLetterQueue: props.reportRunsDeadLetterQueue,
        // A missed check is made up by the next hour's, which looks at the same reports.
        retryAttempts: 2,
        maxEventAge: Duration.minutes(30),
        role: schedulerRole,
      }),
    });

    // The checker tells the topic of each report's transition, naming the profile and
    // period, which a metric alarm cannot; this alarm tells it of the count, by a path
    // that does not need the checker's own publish to work. Without data (no check ran)
    // it keeps its state rather than clearing.
    this.missingReportsAlarm = new Alarm(this, 'MissedScheduledReports', {
      metric: new Metric({
        namespace: 'TelecomServiceQuality',
        metricName: 'missedScheduledReports',
        dimensionsMap: { service: 'missed-schedules' },
        statistic: 'Maximum',
        period: Duration.hours(1),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.IGNORE,
      alarmDescription:
        'A scheduled report was not published within missedScheduleHours of its schedule firing; the missed-schedule check tells the alarm topic which (docs/operations.md, Missed scheduled reports).',
    });
    const notify = new SnsAction(props.alarmTopic);
    this.missingReportsAlarm.addAlarmAction(notify);
    this.missingReportsAlarm.addOkAction(notify);
  }
}
