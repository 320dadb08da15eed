import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ForbiddenError, SignInRequiredError } from './problem.ts';

/** The groups of docs/design.md §4.3. */
export const GROUPS = ['regulators', 'assessors', 'admins'] as const;
export type Group = (typeof GROUPS)[number];

export interface Caller {
  /** The user pool's subject: who, for the audit log, without a name or an address. */
  subject: string;
  groups: Group[];
}

/**
 * The caller as the HTTP API's JWT authorizer verified it. API Gateway passes an array
 * claim such as `cognito:groups` as the text `[admins regulators]`; both forms are read.
 */
export function callerOf(event: APIGatewayProxyEventV2): Caller {
  const context = event.requestContext as {
    authorizer?: { jwt?: { claims?: Record<string, unknown> } };
  };
  const claims = context.authorizer?.jwt?.claims;
  const subject = claims?.sub;
  if (typeof subject !== 'string' || subject === '') throw new SignInRequiredError();
  const raw = claims?.['cognito:groups'];
  const names = Array.isArray(raw)
    ? raw.map(String)
    : typeof raw === 'string'
      ? raw.replace(/^\[|\]$/g, '').split(/[\s,]+/)
      : [];
  return {
    subject,
    groups: GROUPS.filter((group) => names.includes(group)),
  };
}

/** The caller, if in one of the groups; otherwise 403 (inside the function too, §4.3). */
export function requireGroup(event: APIGatewayProxyEventV2, ...allowed: Group[]): Caller {
  const caller = callerOf(event);
  if (!caller.groups.some((group) => allowed.includes(group))) throw new ForbiddenError(allowed);
  return caller;
}
