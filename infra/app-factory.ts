import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readStageConfig } from './config.ts';
import { FUNCTION_TIMEOUTS } from './function-timeouts.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

/** Builds the whole app: both stacks, wired by typed props, with cdk-nag registered. */
export function createApp(props: AppProps = {}) {
  const app = new App(props);
  const config = readStageConfig(app.node);
  const prefix = `Tsq-${config.stage}`;
  const env = {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env,
    config,
    // Each queue's visibility timeout follows the timeout of the function that consumes it.
    complaintProcessorTimeout: FUNCTION_TIMEOUTS['complaint-processor'],
    smsSenderTimeout: FUNCTION_TIMEOUTS['sms-sender'],
    reportBuilderTimeout: FUNCTION_TIMEOUTS['report-builder'],
    caseDeliveryTimeout: FUNCTION_TIMEOUTS['case-delivery'],
    remindersTimeout: FUNCTION_TIMEOUTS.reminders,
    missedSchedulesTimeout: FUNCTION_TIMEOUTS['missed-schedules'],
    noticeSenderTimeout: FUNCTION_TIMEOUTS['notice-sender'],
    description: 'Telecom service quality: data, keys, queues and secrets',
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    env,
    config,
    stateful,
    description: 'Telecom service quality: functions, HTTP API and monitoring',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, stateful, stateless };
}
