import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Caller, type Group, groupsIn, requireAnyGroup } from '../domain/people.ts';
import { SignInRequiredError } from './problem.ts';

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
  const email = claims?.email;
  return {
    subject,
    ...(typeof email === 'string' && email !== '' ? { email } : {}),
    groups: groupsIn(names),
  };
}

/** The caller, if in one of the groups; otherwise 403 (inside the function too, §4.3). */
export function requireGroup(event: APIGatewayProxyEventV2, ...allowed: Group[]): Caller {
  const caller = callerOf(event);
  requireAnyGroup(caller, allowed);
  return caller;
}
