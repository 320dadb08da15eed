import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDbReportIndex } from '#shared/adapters/dynamodb/report-index.ts';
import { s3DownloadLinksFromEnvironment } from '#shared/adapters/s3/presigner.ts';
import { requireEnv } from '#shared/config.ts';
import { InvalidInputError } from '#shared/domain/errors.ts';
import { jsonAnswer, NO_STORE, redirectAnswer } from '#shared/http/answers.ts';
import { callerOf } from '#shared/http/caller.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { logger } from '#shared/powertools/logger.ts';
import {
  describeReport,
  downloadLink,
  listReports,
  type ReportAccess,
  type ReportView,
} from '#shared/use-cases/report-access.ts';

const access: ReportAccess = {
  catalogue: dynamoDbReportIndex(new DynamoDBClient({}), requireEnv('REPORTS_TABLE_NAME')),
  links: s3DownloadLinksFromEnvironment(requireEnv('REPORTS_BUCKET_NAME')),
  now: () => new Date(),
};

/** A report as the API lists it: its files by name. */
const summary = (view: ReportView) => ({ ...view, files: view.files.map((file) => file.name) });

/**
 * GET /reports (each period's current edition; `?editions=all` every edition),
 * GET /reports/{reportId}, GET /reports/{reportId}/files/{name+}: for regulators,
 * assessors and admins. A download is a 302 to a presigned URL, written to
 * the audit log first.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .handler(async (request) => {
    const caller = callerOf(request);
    const { reportId, name } = request.pathParameters ?? {};
    if (reportId === undefined) {
      const { profile, period, editions } = request.queryStringParameters ?? {};
      if (editions !== undefined && editions !== 'all' && editions !== 'current') {
        throw new InvalidInputError('editions must be "all" or "current".', [
          { pointer: '/editions', detail: 'must be "all" or "current"' },
        ]);
      }
      const views = await listReports(access, caller, {
        ...(profile ? { profile } : {}),
        ...(period ? { period } : {}),
        ...(editions ? { editions } : {}),
      });
      return jsonAnswer(200, { reports: views.map(summary) }, NO_STORE);
    }
    if (name === undefined) {
      const {
        manifest,
        signature,
        codeVersion: _,
        ...view
      } = await describeReport(access, caller, reportId);
      return jsonAnswer(
        200,
        { ...summary(view), manifest: JSON.parse(manifest) as unknown, signature },
        NO_STORE,
      );
    }
    const url = await downloadLink(access, caller, reportId, name);
    logger.info('report download', { reportId, file: name, subject: caller.subject });
    return redirectAnswer(302, url);
  });
