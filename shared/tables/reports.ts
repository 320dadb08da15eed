import { tableDesign } from './table.ts';

/**
 * The reports table (docs/data-model.md): the report index, which GET /reports reads,
 * the report runs and whether each published its report, and the download audit log.
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
  /** The audit log's partitions start so; the reports API may write nothing else. */
  auditPartitionPrefix: 'AUDIT#',
  /** One download: a partition per UTC day, the time first in the sort key. */
  download: (at: string, suffix: string) => ({
    pk: `${reportKeys.auditPartitionPrefix}${at.slice(0, 10)}`,
    sk: `${at}#${suffix}`,
  }),
};
