import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TimeZone, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { SqsSendMessage } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { REPORT_SCHEDULE_HOUR } from '#shared/domain/report-schedule.ts';
import { OPERATOR_PROFILES_DIRECTORY } from '#shared/indicators/profiles.ts';
import { COMPLAINTS_TABLE } from '#shared/tables/complaints.ts';
import { reportKeys } from '#shared/tables/reports.ts';
import { SURVEYS_TABLE } from '#shared/tables/surveys.ts';
import { KeyScopedRole } from '../constructs/key-scoped-role.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface ReportsProps extends FeatureProps {
  /** Daily response aggregates and subscriber counts: what reports are computed from. */
  aggregatesTable: ITable;
  /** Complaints, read by their month indexes. */
  complaintsTable: ITable;
  /** Follow-up cases, read by the index of cases by answered day. */
  surveysTable: ITable;
  /** The report index and the download audit log. */
  reportsTable: ITable;
  /** Signed report files, under `reports/`. */
  reportsBucket: IBucket;
  /** Signs report manifests; its public key verifies them. */
  reportSigningKey: IKey;
  /** Report runs waiting for the builder: on demand and scheduled. */
  reportRunsQueue: IQueue;
  /** Where a schedule's message goes when it cannot be queued. */
  reportRunsDeadLetterQueue: IQueue;
}

/** The PDF function's memory: Chromium's processes and the page (bench: `--only pdf`). */
export const REPORT_PDF_MEMORY_MB = 2048;

/**
 * What the PDF function carries beside its code, from the npm packages as installed:
 * @sparticuz/chromium's brotli files (Chromium, its libraries and base fonts; inflated
 * into /tmp at a cold start) and Noto Sans SC's regular and bold faces, split by Unicode
 * range, with their stylesheets.
 */
function reportPdfFiles() {
  const require = createRequire(import.meta.url);
  const chromiumBin = join(dirname(require.resolve('@sparticuz/chromium')), '../../bin');
  const fonts = dirname(require.resolve('@fontsource/noto-sans-sc/400.css'));
  const faces = readdirSync(join(fonts, 'files')).filter((file) =>
    /-(400|700)-normal\.woff2$/.test(file),
  );
  return [
    {
      directory: 'chromium',
      files: readdirSync(chromiumBin)
        .filter((file) => file.endsWith('.br'))
        .map((file) => join(chromiumBin, file)),
    },
    { directory: 'noto-sans-sc', files: ['400.css', '700.css'].map((file) => join(fonts, file)) },
    { directory: 'noto-sans-sc/files', files: faces.map((file) => join(fonts, 'files', file)) },
  ];
}

/**
 * Regulatory reports: built and signed into S3 by the builder from the run queue, which
 * the schedules (each profile's period, once ended) and admins (POST /reports/runs) feed;
 * listed and handed out by the reports API; verifiable by anyone with the signing key.
 */
export class Reports extends Feature {
  readonly reportBuilder: ProjectFunction;
  readonly reportPdf: ProjectFunction;
  readonly reportRuns: ProjectFunction;
  readonly signingKey: ProjectFunction;
  readonly reportsApi: ProjectFunction;

  constructor(scope: Construct, id: string, props: ReportsProps) {
    super(scope, id);
    const { config, dataKey } = props;

    // The operator's own profiles travel in the bundles of the functions that resolve runs.
    const ownProfiles =
      config.operatorProfileFiles.length > 0
        ? {
            bundledFiles: {
              directory: OPERATOR_PROFILES_DIRECTORY,
              files: config.operatorProfileFiles,
            },
          }
        : {};

    this.reportPdf = new ProjectFunction(this, 'ReportPdf', {
      entry: 'report-pdf',
      description: 'Prints a report.html to report.pdf in headless Chromium (for the builder)',
      // Chromium's renderer and the page: measured by the bench (docs/design.md §9).
      memorySize: REPORT_PDF_MEMORY_MB,
      // The npm package of @sparticuz/chromium ships the x86-64 build only.
      architecture: Architecture.X86_64,
      bundledFiles: reportPdfFiles(),
      ...props.logs,
    });

    this.reportBuilder = new ProjectFunction(this, 'ReportBuilder', {
      ...ownProfiles,
      entry: 'report-builder',
      description: 'Builds a signed regulatory report for a profile and period into S3',
      memorySize: 1024,
      environment: {
        AGGREGATES_TABLE_NAME: props.aggregatesTable.tableName,
        COMPLAINTS_TABLE_NAME: props.complaintsTable.tableName,
        SURVEYS_TABLE_NAME: props.surveysTable.tableName,
        REPORTS_BUCKET_NAME: props.reportsBucket.bucketName,
        SIGNING_KEY_ID: props.reportSigningKey.keyId,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
        OPERATOR_NAME: config.operatorName,
        CODE_VERSION: config.codeVersion,
        REPORTS_TABLE_NAME: props.reportsTable.tableName,
        REPORT_PDF_FUNCTION_NAME: this.reportPdf.functionName,
        RESTATE_WINDOW_PERIODS: String(config.restateWindowPeriods),
      },
      ...props.logs,
    });
    // report.pdf is printed by the PDF function, before the manifest is made. Named by its
    // ARN alone (grantInvoke would add its versions with a wildcard).
    this.reportBuilder.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.reportPdf.functionArn],
      }),
    );
    // PutItem: the index entry of a built report; Query: earlier reports for the trend and
    // the restatement check's published reports. UpdateItem: what came of a run, and the
    // mark on a report a restatement superseded.
    this.reportBuilder.grantTable(props.reportsTable, dataKey, ['PutItem', 'Query', 'UpdateItem']);
    // One run at a time per message; a failing run is retried, then dead-lettered (alarmed).
    this.reportBuilder.addEventSource(
      new SqsEventSource(props.reportRunsQueue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    // Reads: a day's aggregates and a month's complaint counters (Query), the complaint
    // counters' refinement items (BatchGetItem), cases by answered day, complaints by month
    // index (for the extract, streamed a page at a time). Writes: report files only.
    this.reportBuilder.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query', 'dynamodb:BatchGetItem'],
        resources: [props.aggregatesTable.tableArn],
      }),
    );
    this.reportBuilder.grantIndexQuery(props.complaintsTable, [
      COMPLAINTS_TABLE.indexes.byCreatedMonth.name,
      COMPLAINTS_TABLE.indexes.byFirstResolvedMonth.name,
    ]);
    this.reportBuilder.grantIndexQuery(props.surveysTable, [
      SURVEYS_TABLE.indexes.casesByAnsweredDay.name,
    ]);
    this.reportBuilder.grantReportObjects(
      config.stage,
      ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'],
      "Each report run writes new keys (reports/{profile}/{period}/{reportId}/…), so the grant names the reports/ prefix of the one bucket; PutObject writes the run's files (Object Lock keeps every written version; the extract's complaint parts as multipart uploads, which AbortMultipartUpload lets a failed build take back), GetObject reads earlier reports' report.json for the trend and, for the restatement check, a published report's report.json and extract.",
    );
    dataKey.grantEncryptDecrypt(this.reportBuilder);
    this.reportBuilder.addToRolePolicy(
      new PolicyStatement({ actions: ['kms:Sign'], resources: [props.reportSigningKey.keyArn] }),
    );

    this.scheduleReports(props);

    this.reportRuns = new ProjectFunction(this, 'ReportRuns', {
      ...ownProfiles,
      entry: 'report-runs',
      description: 'Queues a report run for a profile and period (admins)',
      environment: {
        REPORT_RUNS_QUEUE_URL: props.reportRunsQueue.queueUrl,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
        FIRST_REPORT_MONTH: config.firstReportMonth,
        REPORTS_TABLE_NAME: props.reportsTable.tableName,
      },
      ...props.logs,
    });
    props.reportRunsQueue.grantSendMessages(this.reportRuns);
    // Logs each run it queues (the run log shares the reports table).
    this.reportRuns.grantTable(props.reportsTable, dataKey, ['UpdateItem']);
    props.api.addPeopleRoutes('ReportRunsIntegration', this.reportRuns, 'POST /reports/runs');

    this.signingKey = new ProjectFunction(this, 'SigningKey', {
      entry: 'signing-key',
      description: 'Serves the public key that verifies report manifests',
      environment: { SIGNING_KEY_ID: props.reportSigningKey.keyId },
      ...props.logs,
    });
    this.signingKey.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:GetPublicKey'],
        resources: [props.reportSigningKey.keyArn],
      }),
    );
    props.api.addPublicRoutes('SigningKeyIntegration', this.signingKey, 'GET /reports/signing-key');

    this.reportsApi = new ProjectFunction(this, 'ReportsApi', {
      entry: 'reports-api',
      description: 'Lists reports and hands out audited, five-minute download links',
      environment: {
        REPORTS_TABLE_NAME: props.reportsTable.tableName,
        REPORTS_BUCKET_NAME: props.reportsBucket.bucketName,
      },
      ...props.logs,
    });
    // The index; a presigned GET is signed with this role's credentials.
    this.reportsApi.grantTable(props.reportsTable, dataKey, ['GetItem', 'Query']);
    // The audit log, and nothing else of the table: PutItem only of AUDIT# partitions (a
    // put cannot be refused by IAM for overwriting: each entry's key is new by construction,
    // and the put is conditioned on its absence).
    this.reportsApi.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [props.reportsTable.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [`${reportKeys.auditPartitionPrefix}*`],
          },
        },
      }),
    );
    this.reportsApi.grantReportObjects(
      config.stage,
      // A download link names the object version the report's index recorded.
      ['s3:GetObject', 's3:GetObjectVersion'],
      'Downloads are presigned GETs of any report file under reports/ of the one bucket; which files a caller may fetch (extracts for assessors only) is decided in the function before it signs, and every download is audited.',
    );
    // One integration per route, each named by the route's depth.
    for (const path of [
      '/reports',
      '/reports/{reportId}',
      '/reports/{reportId}/files/{name+}',
    ] as const) {
      props.api.addPeopleRoutes(
        `ReportsApiIntegration${path.split('/').length}`,
        this.reportsApi,
        `GET ${path}`,
      );
    }
  }

  /**
   * Each profile's report, early on the day after its period ends, in the reporting time
   * zone: the run asks for the "previous" (last complete) period.
   */
  private scheduleReports(props: ReportsProps) {
    const { config } = props;
    const cronOf: Record<string, { month: string }> = {
      month: { month: '*' },
      quarter: { month: '1,4,7,10' },
      year: { month: '1' },
    };
    const schedulerRole = new KeyScopedRole(this, 'ReportSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets the report schedules queue report runs',
    });
    Validations.of(schedulerRole).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'kms:GenerateDataKey* is the action family SQS needs to encrypt a message with a customer-managed key; the statement names the one data key, and the role can only send to the report run queue.',
    });
    for (const profile of Object.values(config.profiles)) {
      new Schedule(this, `ReportSchedule-${profile.id}`, {
        description: `Builds the ${profile.id} report for each ${profile.period} that has ended`,
        schedule: ScheduleExpression.cron({
          minute: '0',
          hour: String(REPORT_SCHEDULE_HOUR),
          day: '1',
          ...cronOf[profile.period],
          timeZone: TimeZone.of(config.reportingTimeZone),
        }),
        target: new SqsSendMessage(props.reportRunsQueue, {
          input: ScheduleTargetInput.fromObject({ profile: profile.id, period: 'previous' }),
          deadLetterQueue: props.reportRunsDeadLetterQueue,
          retryAttempts: 10,
          role: schedulerRole,
        }),
      });
    }
    if (config.restateWindowPeriods > 0) {
      // After the 03:00 reports, so that a period's first report is out before it is checked.
      new Schedule(this, 'RestatementSchedule', {
        description: `Restates the reports of the last ${config.restateWindowPeriods} periods whose figures changed`,
        schedule: ScheduleExpression.cron({
          minute: '0',
          hour: '4',
          timeZone: TimeZone.of(config.reportingTimeZone),
        }),
        target: new SqsSendMessage(props.reportRunsQueue, {
          input: ScheduleTargetInput.fromObject({
            check: 'restatements',
            scheduledTime: ContextAttribute.scheduledTime,
          }),
          deadLetterQueue: props.reportRunsDeadLetterQueue,
          retryAttempts: 10,
          role: schedulerRole,
        }),
      });
    }
  }
}
