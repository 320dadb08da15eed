import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { IndicatorResult } from '../../indicators/build-indicators.ts';
import { isWholeOperator } from '../../indicators/catalogue.ts';
import type { PublishedReports, ReportEntry } from '../../use-cases/build-report.ts';

/**
 * The whole-operator figures of earlier reports of a profile, as published: for each
 * asked period, the newest report of it in the index, its report.json read from the
 * bucket. One index query (paged back to the oldest period asked) and one read per period,
 * side by side, whatever the data behind them.
 */
export function publishedReports(
  index: {
    newestOfPeriods(profile: string, periods: readonly string[]): Promise<Map<string, ReportEntry>>;
  },
  client: S3Client,
  bucket: string,
): PublishedReports {
  return {
    async wholeOperator(profile, periods) {
      const newest = await index.newestOfPeriods(profile, periods);
      // The reports are independent reads: all at once.
      return new Map(
        await Promise.all(
          [...newest].map(async ([period, entry]) => {
            const { Body } = await client.send(
              new GetObjectCommand({ Bucket: bucket, Key: `${entry.prefix}report.json` }),
            );
            const report = JSON.parse((await Body?.transformToString('utf8')) ?? '{}') as {
              indicators?: IndicatorResult[];
            };
            return [period, (report.indicators ?? []).filter(isWholeOperator)] as const;
          }),
        ),
      );
    },
  };
}
