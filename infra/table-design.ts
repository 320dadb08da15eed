/**
 * The complaints table's global secondary indexes, one per report query (see
 * docs/data-model.md for the whole access-pattern table). Month keys are `YYYY-MM` in
 * the reporting time zone, so a quarter or a year is three or twelve queries.
 */
export const COMPLAINT_INDEXES = [
  {
    /** Complaints created in a month, in creation order: "received in the period". */
    name: 'byCreatedMonth',
    partitionKey: 'createdMonth',
    sortKey: 'createdAt',
    keysOnly: false,
  },
  {
    /** Complaints first resolved in a month: resolution-time indicators. */
    name: 'byFirstResolvedMonth',
    partitionKey: 'firstResolvedMonth',
    sortKey: 'firstResolvedAt',
    keysOnly: false,
  },
  {
    /** A customer's complaints, for erasure; only the keys are copied. */
    name: 'byCustomer',
    partitionKey: 'customerRef',
    sortKey: undefined,
    keysOnly: true,
  },
] as const;

/** The surveys table's indexes (README, Data model: the surveys table). */
export const SURVEY_INDEXES = [
  {
    /** Invitations created in a month: the denominator of the response rate. */
    name: 'byCreatedMonth',
    partitionKey: 'createdMonth',
    sortKey: 'createdAt',
    keysOnly: false,
  },
  {
    /** A customer's invitations, for erasure; only the keys are copied. */
    name: 'byCustomer',
    partitionKey: 'customerRef',
    sortKey: 'createdAt',
    keysOnly: true,
  },
] as const;
