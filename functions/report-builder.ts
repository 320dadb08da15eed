import { randomBytes } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { dynamoDbReportIndex } from '#shared/adapters/dynamodb/report-index.ts';
import { dynamoDbReportInputs } from '#shared/adapters/dynamodb/report-inputs.ts';
import { dynamoDbReportRunLog } from '#shared/adapters/dynamodb/report-runs.ts';
import { kmsManifestSigner } from '#shared/adapters/kms/manifest-signer.ts';
import { lambdaReportPdfRenderer } from '#shared/adapters/lambda/report-pdf-renderer.ts';
import { publishedReports } from '#shared/adapters/s3/published-reports.ts';
import { reportPrefix, s3ReportFiles, s3ReportStore } from '#shared/adapters/s3/report-store.ts';
import { requireEnv } from '#shared/config.ts';
import { newReportId, scheduledRunId } from '#shared/domain/report-id.ts';
import {
  QueuedReportRunSchema,
  RestatementCheckSchema,
  resolveReportRun,
} from '#shared/domain/report-run.ts';
import { InvalidPeriodError } from '#shared/indicators/periods.ts';
import { OPERATOR_PROFILES_DIRECTORY, profilesIn } from '#shared/indicators/profiles.ts';
import { logger } from '#shared/powertools/logger.ts';
import { buildReport, UnknownProfileError } from '#shared/use-cases/build-report.ts';
import { checkRestatements } from '#shared/use-cases/restate-reports.ts';

/** The built-in profiles and the operator's own, which infra copies beside this bundle. */
const PROFILES = profilesIn(new URL(`./${OPERATOR_PROFILES_DIRECTORY}/`, import.meta.url));
const config = {
  aggregatesTable: requireEnv('AGGREGATES_TABLE_NAME'),
  complaintsTable: requireEnv('COMPLAINTS_TABLE_NAME'),
  surveysTable: requireEnv('SURVEYS_TABLE_NAME'),
  bucket: requireEnv('REPORTS_BUCKET_NAME'),
  signingKeyId: requireEnv('SIGNING_KEY_ID'),
  timezone: requireEnv('REPORTING_TIME_ZONE'),
  operator: requireEnv('OPERATOR_NAME'),
  codeVersion: requireEnv('CODE_VERSION'),
  reportsTable: requireEnv('REPORTS_TABLE_NAME'),
  pdfFunction: requireEnv('REPORT_PDF_FUNCTION_NAME'),
  restateWindowPeriods: Number(requireEnv('RESTATE_WINDOW_PERIODS')),
};
if (!Number.isInteger(config.restateWindowPeriods) || config.restateWindowPeriods < 0) {
  throw new Error('RESTATE_WINDOW_PERIODS must be a whole number of periods');
}
const dynamodb = new DynamoDBClient({});
const s3 = new S3Client({});
const index = dynamoDbReportIndex(dynamodb, config.reportsTable);
const runLog = dynamoDbReportRunLog(dynamodb, config.reportsTable);
const dependencies = {
  inputs: dynamoDbReportInputs({
    client: dynamodb,
    aggregatesTable: config.aggregatesTable,
    complaintsTable: config.complaintsTable,
    surveysTable: config.surveysTable,
  }),
  store: s3ReportStore(s3, config.bucket),
  signer: kmsManifestSigner(new KMSClient({}), config.signingKeyId),
  index,
  history: publishedReports(index, s3, config.bucket),
  pdf: lambdaReportPdfRenderer(new LambdaClient({}), config.pdfFunction),
  profiles: PROFILES,
  timezone: config.timezone,
  operator: config.operator,
  codeVersion: config.codeVersion,
  now: () => new Date(),
  newReportId,
  prefixOf: reportPrefix,
  pseudonymKey: () => randomBytes(32),
};

const restatements = {
  ...dependencies,
  files: s3ReportFiles(s3, config.bucket),
  windowPeriods: config.restateWindowPeriods,
};

const processor = new BatchProcessor(EventType.SQS);

/**
 * The daily restatement check: every published report of the last periods recomputed,
 * and each that changed published again as its next edition.
 */
async function restate(body: unknown) {
  const { scheduledTime } = RestatementCheckSchema.parse(body);
  const outcomes = await checkRestatements(
    restatements,
    scheduledTime ? new Date(scheduledTime) : new Date(),
  );
  for (const outcome of outcomes) {
    if (outcome.outcome === 'restated') logger.info('report restated', { ...outcome });
  }
  logger.info('restatement check done', {
    checked: outcomes.length,
    restated: outcomes.filter((outcome) => outcome.outcome === 'restated').length,
  });
  return outcomes;
}

/** A queued or invoked message is the daily check when it says so; else it is a run. */
const isRestatementCheck = (body: unknown) =>
  typeof body === 'object' && body !== null && 'check' in body;

/** One run: resolved against the profiles ("previous" is the last complete period). */
async function run(body: unknown) {
  const resolved = resolveReportRun(body, PROFILES, new Date(), config.timezone);
  if (!resolved.success) {
    const detail = resolved.errors.map((error) => `${error.pointer} ${error.detail}`).join('; ');
    if (resolved.errors.some((error) => error.pointer === '/profile')) {
      throw new UnknownProfileError(detail);
    }
    if (resolved.errors.some((error) => error.pointer === '/period')) {
      throw new InvalidPeriodError(detail);
    }
    throw new InvalidReportRunError(detail);
  }
  const report = await buildReport(dependencies, resolved);
  logger.info('report built', { ...report });
  return report;
}

/** A run message that can never succeed: dead-lettered after its retries, and alarmed. */
class InvalidReportRunError extends Error {
  override name = 'InvalidReportRunError';
}

/** One queued run, logged with what came of it; a scheduled one has no run id of its own. */
async function runQueued(record: SQSRecord) {
  const body: unknown = JSON.parse(record.body);
  if (isRestatementCheck(body)) return restate(body);
  // The queue message is the request plus who asked and its run id.
  const { runId: requestedRunId, requestedBy: _by, ...request } = QueuedReportRunSchema.parse(body);
  const runId =
    requestedRunId ??
    scheduledRunId(new Date(Number(record.attributes.SentTimestamp)), record.messageId);
  logger.appendKeys({ runId });
  try {
    const report = await run(request);
    await runLog.published(runId, { ...report, at: new Date() });
    return report;
  } catch (error) {
    logger.error('report run failed', error instanceof Error ? error : String(error));
    await runLog.failed(runId, new Date());
    throw error;
  }
}

/**
 * Builds signed reports into the reports bucket: from the run queue (POST /reports/runs
 * and the schedules), or invoked directly with `{profile, period}` (npm run invoke); and
 * runs the daily restatement check (`{check: "restatements"}`, queued by its schedule).
 */
export const handler = middy<
  SQSEvent | { profile: string; period: string } | { check: 'restatements'; scheduledTime?: string }
>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) =>
    'Records' in event
      ? processPartialResponse(event, runQueued, processor, { context })
      : isRestatementCheck(event)
        ? restate(event)
        : run(event),
  );
