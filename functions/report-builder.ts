import { randomBytes } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import * as z from 'zod/mini';
import { dynamoDbReportIndex } from '#shared/adapters/dynamodb-report-index.ts';
import { dynamoDbReportInputs } from '#shared/adapters/dynamodb-report-inputs.ts';
import { kmsManifestSigner } from '#shared/adapters/kms-manifest-signer.ts';
import { reportPrefix, s3ReportStore } from '#shared/adapters/s3-report-store.ts';
import { requireEnv } from '#shared/config.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import { logger } from '#shared/powertools/logger.ts';
import { buildReport } from '#shared/use-cases/build-report.ts';

const config = {
  aggregatesTable: requireEnv('AGGREGATES_TABLE_NAME'),
  complaintsTable: requireEnv('COMPLAINTS_TABLE_NAME'),
  bucket: requireEnv('REPORTS_BUCKET_NAME'),
  signingKeyId: requireEnv('SIGNING_KEY_ID'),
  timezone: requireEnv('REPORTING_TIME_ZONE'),
  operator: requireEnv('OPERATOR_NAME'),
  codeVersion: requireEnv('CODE_VERSION'),
  reportsTable: requireEnv('REPORTS_TABLE_NAME'),
};
const dynamodb = new DynamoDBClient({});
const dependencies = {
  inputs: dynamoDbReportInputs({
    client: dynamodb,
    aggregatesTable: config.aggregatesTable,
    complaintsTable: config.complaintsTable,
  }),
  store: s3ReportStore(new S3Client({}), config.bucket),
  signer: kmsManifestSigner(new KMSClient({}), config.signingKeyId),
  index: dynamoDbReportIndex(dynamodb, config.reportsTable),
  profiles: BUILT_IN_PROFILES,
  timezone: config.timezone,
  operator: config.operator,
  codeVersion: config.codeVersion,
  now: () => new Date(),
  // Time-ordered and unguessable: 20261125T213000Z-1f2e3d4c5b6a.
  newReportId: (at: Date) =>
    `${at
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}-${randomBytes(6).toString('hex')}`,
  prefixOf: reportPrefix,
};

/** A run: from the schedule (one per profile period), an admin's request, or the CLI. */
const ReportRunSchema = z.object({
  profile: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/)),
  period: z.string().check(z.regex(/^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$/)),
});

/** Builds one signed report into the reports bucket and answers where it went. */
export const handler = middy<unknown>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const run = ReportRunSchema.parse(event);
    const report = await buildReport(dependencies, run);
    logger.info('report built', report);
    return report;
  });
