import { tableDesign } from './table.ts';

/**
 * The reports table (docs/data-model.md): the report index, which GET /reports reads,
 * the report runs and whether each published its report, the download audit log, the
 * missed-schedule alarms that stand, and the publication notices sent.
 * Nothing expires: they are records.
 */
export const REPORTS_TABLE = /* @__PURE__ */ tableDesign({
  indexes: {},
});

/** Key layout of the reports table. */
export const reportKeys = {
  /** Every index entry shares one partition; report ids start with their build time, so
   * the partition sorts newest first by key alone. */
  indexPartition: 'REPORTS',
  entry: (reportId: string) => ({ pk: reportKeys.indexPartition, sk: reportId }),
  /** Every report run shares one partition; run ids start with their request time. */
  runsPartition: 'RUNS',
  run: (runId: string) => ({ pk: reportKeys.runsPartition, sk: runId }),
  /** Missed-schedule alarms that stand share one partition; the checker writes nothing else. */
  missedSchedulesPartition: 'MISSED',
  missedSchedule: (profile: string, period: string) => ({
    pk: reportKeys.missedSchedulesPartition,
    sk: `${profile}#${period}`,
  }),
  /** Notices sent of a report start so; the notice sender writes nothing else. */
  noticePartitionPrefix: 'NOTICE#',
  /** One notice sent: a partition per report, the recipient's user pool subject as sort key. */
  notice: (reportId: string, subject: string) => ({
    pk: `${reportKeys.noticePartitionPrefix}${reportId}`,
    sk: subject,
  }),
  /** The audit log's partitions start so; the reports API may write nothing else. */
  auditPartitionPrefix: 'AUDIT#',
  /** One download: a partition per UTC day, the time first in the sort key. */
  download: (at: string, suffix: string) => ({
    pk: `${reportKeys.auditPartitionPrefix}${at.slice(0, 10)}`,
    sk: `${at}#${suffix}`,
  }),
};
