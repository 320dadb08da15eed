import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { freePort } from '#sandbox/emulator/moto.ts';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { type Sandbox, startSandbox } from '#sandbox/sandbox.ts';
import type { InvitationRequest } from '#shared/domain/invitation.ts';
import { hashSurveyToken } from '#shared/domain/survey-token.ts';
import { signatureHeader } from '#shared/http/signature.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';

/**
 * A quiet sandbox of the synthesized test assembly on free ports, in a temporary
 * directory (`print` receives what it would print). Its quiet hours never apply, so that tests do not depend on the time of day.
 */
export async function startTestSandbox(
  options: { print?: (line: string) => void; retrySeconds?: number } = {},
): Promise<Sandbox> {
  let sandbox: Sandbox | undefined;
  // A free port can be taken by a parallel test file's emulator before the sandbox
  // listens on it: then it has cleaned up after itself, and another port is tried.
  for (let attempt = 1; !sandbox; attempt += 1) {
    try {
      sandbox = await startSandbox({
        port: await freePort(),
        directory: mkdtempSync(join(tmpdir(), 'sandbox-')),
        assemblyDirectory: inject('assemblyDirectory'),
        print: options.print ?? (() => undefined),
        colour: false,
        ...(options.retrySeconds !== undefined ? { retrySeconds: options.retrySeconds } : {}),
      });
    } catch (error) {
      if (attempt >= 3 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
    }
  }
  sandbox.app.host('InvitationIntake').fn.environment.QUIET_HOURS = '00:00-00:00';
  return sandbox;
}

/** POST /invitations over HTTP, signed with the sandbox's crm secret; unique ids. */
export async function postInvitation(sandbox: Sandbox, fields: Partial<InvitationRequest> = {}) {
  const body = Buffer.from(
    JSON.stringify({
      eventId: `inv-${randomUUID()}`,
      customerRef: `cust-${randomUUID().slice(0, 12)}`,
      phone: '+8613900139000',
      locale: 'zh-CN',
      channel: 'web',
      touchpoint: 'store',
      region: 'GD-SZ',
      service: 'fixed_broadband',
      occurredAt: '2026-10-08T09:15:00+08:00',
      ...fields,
    }),
  );
  const secret = sandbox.outputs.secrets.invitationSources.crm ?? '';
  const response = await fetch(`${sandbox.outputs.apiUrl}/invitations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signatureHeader(secret, Math.floor(Date.now() / 1000), body),
    },
    body,
  });
  return {
    status: response.status,
    json: (await response.json()) as Record<string, string> & {
      surveyUrl: string;
      invitationId: string;
    },
  };
}

/**
 * The surveys table, read straight from moto: assertions are neither counted by the
 * proxy nor subject to the faults it injects.
 */
export function directSurveysTable(sandbox: Sandbox) {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    }),
  );
  return {
    documents,
    tableName: sandbox.app.host('InvitationIntake').fn.environment.SURVEYS_TABLE_NAME ?? '',
  };
}

/** The key of a survey link's token item, which also holds its answers once answered. */
export function linkKeyOf(surveyUrl: string) {
  return surveyKeys.token(hashSurveyToken(surveyUrl.split('/').at(-1) ?? ''));
}
