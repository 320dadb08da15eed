import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readStageConfig } from './config.ts';
import { EdgeAclStack } from './edge-acl-stack.ts';
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
  // A web ACL for CloudFront exists only in us-east-1: its own small stack there, whose
  // ARN reaches the distribution by CDK's cross-region references (docs/operations.md).
  if (config.edge && !env.region) {
    throw new Error(
      'context "edge" needs the deployment\'s region at synthesis (CDK_DEFAULT_REGION, which the CDK CLI sets from the AWS profile)',
    );
  }
  const edgeAcl = config.edge
    ? new EdgeAclStack(app, `${prefix}-EdgeAcl`, {
        env: { ...env, region: 'us-east-1' },
        edge: config.edge,
        crossRegionReferences: true,
        terminationProtection: config.stage === 'prod',
        description:
          'Telecom service quality: the edge web ACL (AWS WAF, us-east-1 for CloudFront)',
      })
    : undefined;
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    env,
    config,
    stateful,
    ...(edgeAcl ? { edgeWebAclArn: edgeAcl.webAcl.attrArn, crossRegionReferences: true } : {}),
    description: 'Telecom service quality: functions, HTTP API and monitoring',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, stateful, stateless, edgeAcl };
}
