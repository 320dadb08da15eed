import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type Metric,
  SingleValueWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface MonitoringProps {
  alarmTopic: ITopic;
  api: HttpApi;
  functions: LambdaFunction[];
  queues: IQueue[];
  deadLetterQueues: IQueue[];
  /** The product's own signals worth waking someone for: any datum above zero alarms. */
  productAlarms?: { id: string; metric: Metric; description: string }[];
}

/**
 * Alarms an on-call engineer acts on (a message in any dead-letter queue, function errors
 * and throttles, API 5xx), all to the alarm topic, and one dashboard of the same signals.
 */
export class Monitoring extends Construct {
  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const notify = new SnsAction(props.alarmTopic);
    const alarm = (alarmId: string, metric: Metric, description: string) => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      return created;
    };

    for (const queue of props.deadLetterQueues) {
      alarm(
        `${queue.node.id}Messages`,
        queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        'A message reached a dead-letter queue: inspect it, fix the cause, then redrive (docs/operations.md, Dead-letter queues).',
      );
    }
    for (const fn of props.functions) {
      alarm(
        `${fn.node.id}Errors`,
        fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
        `${fn.node.id} returned errors.`,
      );
      alarm(
        `${fn.node.id}Throttles`,
        fn.metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }),
        `${fn.node.id} was throttled.`,
      );
    }
    for (const { id, metric, description } of props.productAlarms ?? []) {
      alarm(id, metric, description);
    }
    const api5xx = props.api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' });
    alarm('Api5xx', api5xx, 'The HTTP API answered with 5xx.');

    const dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        left: [
          props.api.metricCount({ period: Duration.minutes(1), statistic: 'Sum' }),
          props.api.metricClientError({ period: Duration.minutes(1), statistic: 'Sum' }),
          api5xx,
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency (p99)',
        left: [props.api.metricLatency({ period: Duration.minutes(1), statistic: 'p99' })],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      ...props.functions.map(
        (fn) =>
          new GraphWidget({
            title: `${fn.node.id}`,
            left: [fn.metricInvocations(), fn.metricErrors(), fn.metricThrottles()],
            right: [fn.metricDuration({ statistic: 'p99' })],
            width: 8,
          }),
      ),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue backlog (oldest message age, s)',
        left: props.queues.map((queue) => queue.metricApproximateAgeOfOldestMessage()),
        width: 12,
      }),
      new SingleValueWidget({
        title: 'Messages in dead-letter queues',
        metrics: props.deadLetterQueues.map((queue) =>
          queue.metricApproximateNumberOfMessagesVisible(),
        ),
        width: 12,
      }),
    );
  }
}
