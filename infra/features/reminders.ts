import { Duration, TimeZone, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { SqsSendMessage } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { KeyScopedRole } from '../constructs/key-scoped-role.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface RemindersProps extends FeatureProps {
  /** Due reminders, by hour and shard; the invitations, links and opt-outs they check. */
  surveysTable: ITable;
  /** The schedule's runs wait here for the reminders function. */
  reminderRunsQueue: IQueue;
  /** Where a run that keeps failing, or a schedule's message that cannot be queued, goes. */
  followUpDeadLetterQueue: IQueue;
  /** Web reminders go out as webhooks, through the case deliveries. */
  caseDeliveryQueue: IQueue;
}

/** How often a run looks for due reminders: a reminder goes out at most this late. */
export const REMINDER_RUN_MINUTES = 5;

/**
 * Reminders (docs/design.md §10.3): every few minutes a schedule queues a run that hands
 * the reminders due by then over, SMS ones to the sender's outbox (the sender re-checks
 * and sends them as it sends the first SMS), web ones to the case delivery queue as
 * `invitation.reminder_due` webhooks.
 */
export class Reminders extends Feature {
  readonly reminders: ProjectFunction;

  constructor(scope: Construct, id: string, props: RemindersProps) {
    super(scope, id);
    const { config, dataKey, surveysTable } = props;

    this.reminders = new ProjectFunction(this, 'Reminders', {
      entry: 'reminders',
      description: 'Hands over the survey reminders that have come due, once each',
      environment: {
        SURVEYS_TABLE_NAME: surveysTable.tableName,
        CASE_DELIVERY_QUEUE_URL: props.caseDeliveryQueue.queueUrl,
        REMINDER_DUE_ENDPOINTS: JSON.stringify(
          Object.fromEntries(
            config.followUpEndpoints
              .filter(({ eventTypes }) => eventTypes.includes('invitation.reminder_due'))
              .map(({ name, url }) => [name, url]),
          ),
        ),
        QUIET_HOURS: config.quietHours,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
      },
      ...props.logs,
    });
    // Query the due partitions; hand over in one transaction (delete the due item, mark the
    // invitation, check the opt-out and the link, put the SMS outbox entry); read again
    // when a check fails.
    this.reminders.grantTable(surveysTable, dataKey, [
      'Query',
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'ConditionCheckItem',
    ]);
    props.caseDeliveryQueue.grantSendMessages(this.reminders);
    this.reminders.addEventSource(
      new SqsEventSource(props.reminderRunsQueue, {
        batchSize: 1,
        // Two runs at most (Lambda's least): they would only race for the same items, and
        // every hand-over is conditional.
        maxConcurrency: 2,
        reportBatchItemFailures: true,
      }),
    );

    const schedulerRole = new KeyScopedRole(this, 'ReminderSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets the reminder schedule queue reminder runs',
    });
    Validations.of(schedulerRole).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'kms:GenerateDataKey* is the action family SQS needs to encrypt a message with a customer-managed key; the statement names the one data key, and the role can only send to the reminder run queue.',
    });
    new Schedule(this, 'ReminderSchedule', {
      description: `Hands over the survey reminders due, every ${REMINDER_RUN_MINUTES} minutes`,
      schedule: ScheduleExpression.cron({
        minute: `0/${REMINDER_RUN_MINUTES}`,
        timeZone: TimeZone.of(config.reportingTimeZone),
      }),
      target: new SqsSendMessage(props.reminderRunsQueue, {
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        deadLetterQueue: props.followUpDeadLetterQueue,
        // A missed run is made up by the next one, which reads the hours before it too.
        retryAttempts: 2,
        maxEventAge: Duration.minutes(REMINDER_RUN_MINUTES * 2),
        role: schedulerRole,
      }),
    });
  }
}
