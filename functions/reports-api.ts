import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbReportIndex } from '#shared/adapters/dynamodb/report-index.ts';
import { s3Presigner } from '#shared/adapters/s3/presigner.ts';
import { requireEnv } from '#shared/config.ts';
import { looksLikeReportId } from '#shared/domain/report-id.ts';
import { jsonAnswer, NO_STORE, redirectAnswer } from '#shared/http/answers.ts';
import { type Caller, requireGroup } from '#shared/http/caller.ts';
import { ForbiddenError, NotFoundError } from '#shared/http/problem.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { logger } from '#shared/powertools/logger.ts';
import type { ReportEntry } from '#shared/use-cases/build-report.ts';

/** Presigned downloads live at most five minutes (docs/design.md §3). */
export const DOWNLOAD_URL_SECONDS = 300;

const bucket = requireEnv('REPORTS_BUCKET_NAME');
const index = dynamoDbReportIndex(new DynamoDBClient({}), requireEnv('REPORTS_TABLE_NAME'));
const presigner = s3Presigner({
  region: requireEnv('AWS_REGION'),
  credentials: fromEnv(),
  // Set only outside AWS (the sandbox's emulator): path-style URLs there.
  ...(process.env.AWS_ENDPOINT_URL ? { endpoint: process.env.AWS_ENDPOINT_URL } : {}),
});

/** Assessor extracts (`extract/*`) are for assessors alone (docs/design.md §3). */
const isExtract = (name: string) => name.startsWith('extract/');

const summary = (entry: ReportEntry, caller: Caller) => ({
  reportId: entry.reportId,
  profile: entry.profile,
  period: entry.period,
  generatedAt: entry.generatedAt,
  files: entry.files
    .filter((file) => !isExtract(file.name) || caller.groups.includes('assessors'))
    .map((file) => file.name),
});

/**
 * GET /reports, GET /reports/{reportId}, GET /reports/{reportId}/files/{name+}: for
 * regulators, assessors and admins. A download is a 302 to a presigned URL, written to
 * the audit log first.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .handler(async (request) => {
    const caller = requireGroup(request, 'regulators', 'assessors', 'admins');
    const reportId = request.pathParameters?.reportId;
    if (!reportId) {
      const query = request.queryStringParameters ?? {};
      const entries = await index.list({
        ...(query.profile ? { profile: query.profile } : {}),
        ...(query.period ? { period: query.period } : {}),
      });
      return jsonAnswer(200, { reports: entries.map((entry) => summary(entry, caller)) }, NO_STORE);
    }

    const entry = looksLikeReportId(reportId) ? await index.get(reportId) : undefined;
    if (!entry) throw new NotFoundError(`There is no report ${reportId}.`);
    const name = request.pathParameters?.name;
    if (name === undefined) {
      return jsonAnswer(
        200,
        {
          ...summary(entry, caller),
          manifest: JSON.parse(entry.manifest) as unknown,
          signature: entry.signature,
        },
        NO_STORE,
      );
    }

    if (isExtract(name) && !caller.groups.includes('assessors')) {
      throw new ForbiddenError(['assessors']);
    }
    if (!entry.files.some((file) => file.name === name)) {
      throw new NotFoundError(`Report ${reportId} has no file ${name}.`);
    }
    await index.recordDownload({
      subject: caller.subject,
      groups: caller.groups,
      reportId,
      file: name,
      at: new Date(),
    });
    logger.info('report download', { reportId, file: name, subject: caller.subject });
    const url = await presigner.presignGet(bucket, `${entry.prefix}${name}`, DOWNLOAD_URL_SECONDS);
    return redirectAnswer(302, url);
  });
