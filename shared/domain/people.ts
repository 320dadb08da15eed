/** The groups people belong to (docs/design.md §4.3), each with what it may do. */
export const GROUPS = ['regulators', 'assessors', 'admins'] as const;
export type Group = (typeof GROUPS)[number];

/** Anyone signed in may read reports; the groups below may do more. */
export const READERS: readonly Group[] = GROUPS;
/** Assessors alone take the pseudonymised extracts (docs/design.md §3). */
export const EXTRACT_READERS: readonly Group[] = ['assessors'];
/** Admins run reports, upload reference data, erase customers and manage people. */
export const ADMINS: readonly Group[] = ['admins'];

/** A signed-in person, as the user pool vouches for them. */
export interface Caller {
  /** The user pool's subject: who, for the audit log. */
  subject: string;
  /** Their e-mail address, for the audit log, where the identity carries it. */
  email?: string;
  groups: Group[];
}

/** The known groups among names (unknown ones count for nothing). */
export const groupsIn = (names: readonly string[]): Group[] =>
  GROUPS.filter((group) => names.includes(group));

/** Whether the caller is in one of the groups. */
export const isInAnyGroup = (caller: Caller, allowed: readonly Group[]) =>
  caller.groups.some((group) => allowed.includes(group));

/** The caller is not in a group that may do this (403 at the HTTP edge). */
export class NotPermittedError extends Error {
  override name = 'NotPermittedError';
  readonly allowed: readonly Group[];
  constructor(allowed: readonly Group[]) {
    super(`Only members of ${allowed.join(' or ')} may do this.`);
    this.allowed = allowed;
  }
}

/** Refuses the caller unless in one of the groups: the one check every door makes. */
export function requireAnyGroup(caller: Caller, allowed: readonly Group[]): void {
  if (!isInAnyGroup(caller, allowed)) throw new NotPermittedError(allowed);
}
