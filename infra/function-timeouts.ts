import { Duration } from 'aws-cdk-lib';

/**
 * Every function's time limit, by its entry under `functions/`, held once: each
 * ProjectFunction takes its own from here, and the app hands the consumers' limits to the
 * stateful stack, whose queues stay invisible six times as long (a message is not
 * redelivered while a consumer may still be working on it).
 */
export const FUNCTION_TIMEOUTS = {
  'complaint-intake': Duration.seconds(10),
  'complaint-processor': Duration.seconds(30),
  // A batch's chunks, one transaction each, retried on conflict.
  'complaint-aggregator': Duration.seconds(60),
  'invitation-intake': Duration.seconds(10),
  'sms-sender': Duration.seconds(30),
  'survey-page': Duration.seconds(10),
  'response-aggregator': Duration.seconds(30),
  'sms-inbound': Duration.seconds(10),
  'sms-inbound-sns': Duration.seconds(30),
  'report-builder': Duration.minutes(5),
  // Chromium inflated into /tmp at a cold start (seconds; a minute on a crowded 2-core
  // machine), then one page printed. The builder waits for it within its own five minutes.
  'report-pdf': Duration.minutes(2),
  'report-runs': Duration.seconds(10),
  'signing-key': Duration.seconds(10),
  'reports-api': Duration.seconds(10),
  'reference-data': Duration.seconds(10),
  erasure: Duration.seconds(30),
  'follow-up-cases': Duration.seconds(30),
  // Ten seconds for the receiver's answer, and the case read and marked around it.
  'case-delivery': Duration.seconds(30),
  'case-events': Duration.seconds(10),
  // A run hands over every reminder due since the last, one transaction each.
  reminders: Duration.minutes(5),
  // A page, or a sign-in's token exchange with the user pool: API Gateway waits 30 s at most.
  portal: Duration.seconds(15),
  // A few index reads and at most a few topic messages.
  'missed-schedules': Duration.seconds(30),
  'publication-notices': Duration.seconds(10),
  // One SES call per person of a profile's audience.
  'notice-sender': Duration.seconds(60),
} as const satisfies Record<string, Duration>;

/** A function's entry file under `functions/`, without extension. */
export type FunctionEntry = keyof typeof FUNCTION_TIMEOUTS;
