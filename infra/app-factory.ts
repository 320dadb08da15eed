import { App, type AppProps, Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readStageConfig } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

/** The processor's timeout decides its queue's visibility timeout (six times it). */
const COMPLAINT_PROCESSOR_TIMEOUT = Duration.seconds(30);
const SMS_SENDER_TIMEOUT = Duration.seconds(30);

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
    complaintProcessorTimeout: COMPLAINT_PROCESSOR_TIMEOUT,
    smsSenderTimeout: SMS_SENDER_TIMEOUT,
    description: 'Telecom service quality: data, keys, queues and secrets',
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    env,
    config,
    stateful,
    complaintProcessorTimeout: COMPLAINT_PROCESSOR_TIMEOUT,
    smsSenderTimeout: SMS_SENDER_TIMEOUT,
    description: 'Telecom service quality: functions, HTTP API and monitoring',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, stateful, stateless };
}
