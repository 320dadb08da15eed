import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCognito } from '#sandbox/emulator/people.ts';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { dynamoDbSessionStore } from '#shared/adapters/dynamodb/session-store.ts';
import { cookieHash, newCookieValue } from '#shared/domain/portal-session.ts';
import { signatureHeader } from '#shared/http/signature.ts';
import { postInvitation, startTestSandbox } from '../support/sandbox.ts';
import { type StoredState, snapshotStoredState } from '../support/snapshot.ts';
import { complaintEvent } from '../support/webhooks.ts';

/*
 * Bad input, table-driven (issue 16): every route and every kind of auth, each request
 * refused with the documented 4xx (problem details, or the documented page for the HTML
 * routes, or API Gateway's own body where the gateway refuses it), never a 5xx, and
 * nothing stored anywhere changed by all of them together.
 */

let sandbox: Sandbox;
let before: StoredState;
/** An open web survey link's path (`/s/<token>`): its answers are refused, never recorded. */
let openLink: string;
/** Portal session cookies, made as the portal makes them at sign-in. */
const portal = { admin: '', regulator: '', csrf: '' };
/** ID tokens that the JWT authorizer or the function must refuse. */
const tokens = {
  expired: '',
  algNone: '',
  otherPool: '',
  otherIssuer: '',
  otherAudience: '',
  noGroup: '',
  /** A regulator's token with its claims edited under its own signature. */
  edited: '',
  /** The admin's token signed again unchanged: accepted, so the others differ in one claim. */
  unchanged: '',
};
const now = () => Math.floor(Date.now() / 1000);
const secrets = () => ({
  invitation: sandbox.outputs.secrets.invitationSources.crm ?? '',
  complaint: sandbox.outputs.secrets.complaintSources.crm ?? '',
  sms: sandbox.outputs.secrets.smsAuthToken,
});
const bearer = (group: string) => `Bearer ${sandbox.outputs.users[group]?.idToken ?? ''}`;

/**
 * A token signed with the emulator's own key (moto's, which it signs every pool's tokens
 * with), by moto's own signing code, so that it differs from a real one in its claims alone.
 */
function emulatorSigned(header: Record<string, unknown>, claims: Record<string, unknown>) {
  const script = [
    'import json, sys',
    'from joserfc import jwk, jwt',
    'from moto.cognitoidp.models import load_resource',
    'key = jwk.RSAKey.import_key(load_resource("moto.cognitoidp.models", "resources/jwks-private.json"))',
    'print(jwt.encode(json.loads(sys.argv[1]), json.loads(sys.argv[2]), key))',
  ].join('\n');
  return execFileSync('python3', ['-c', script, JSON.stringify(header), JSON.stringify(claims)], {
    encoding: 'utf8',
  }).trim();
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const partOf = (token: string, index: number) =>
  JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

/** The admin's ID token with some claims changed, signed again with the emulator's key. */
function resignedToken(claims: Record<string, unknown>) {
  const admin = sandbox.outputs.users.admins?.idToken ?? '';
  return emulatorSigned(partOf(admin, 0), { ...partOf(admin, 1), ...claims });
}

/** A person signed in to a pool with a password alone (no group, or another pool). */
async function passwordToken(poolId: string, clientId: string) {
  const cognito = emulatorCognito({
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
  });
  try {
    const username = `bad-input-${randomUUID().slice(0, 8)}@sandbox.local`;
    const password = `Bad-${randomUUID()}-9a!`;
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: username,
        MessageAction: 'SUPPRESS',
      }),
    );
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: poolId,
        Username: username,
        Password: password,
        Permanent: true,
      }),
    );
    const signedIn = await cognito.send(
      new AdminInitiateAuthCommand({
        UserPoolId: poolId,
        ClientId: clientId,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    return signedIn.AuthenticationResult?.IdToken ?? '';
  } finally {
    cognito.destroy();
  }
}

async function otherPoolToken() {
  const cognito = emulatorCognito({
    endpoint: sandbox.app.directEndpoint,
    region: sandbox.outputs.region,
  });
  try {
    const { UserPool } = await cognito.send(new CreateUserPoolCommand({ PoolName: 'elsewhere' }));
    const { UserPoolClient } = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: UserPool?.Id,
        ClientName: 'elsewhere',
        ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    return passwordToken(UserPool?.Id ?? '', UserPoolClient?.ClientId ?? '');
  } finally {
    cognito.destroy();
  }
}

/** Portal sessions as sign-in stores them: one for an admin, one for a regulator. */
async function portalSessions() {
  const store = dynamoDbSessionStore(
    new DynamoDBClient({
      endpoint: sandbox.app.directEndpoint,
      region: sandbox.outputs.region,
      credentials: emulatorCredentials,
    }),
    sandbox.app.host('Portal').fn.environment.SESSIONS_TABLE_NAME ?? '',
  );
  portal.csrf = newCookieValue();
  // A session seen an hour from now is not touched (written) by the requests below.
  const seen = new Date(Date.now() + 60 * 60 * 1000);
  for (const group of ['admins', 'regulators'] as const) {
    const cookie = newCookieValue();
    await store.putSession(cookieHash(cookie), {
      subject: `bad-input-${group}`,
      email: `${group}@sandbox.local`,
      groups: [group],
      csrfToken: portal.csrf,
      createdAt: new Date(),
      lastSeenAt: seen,
    });
    portal[group === 'admins' ? 'admin' : 'regulator'] = cookie;
  }
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  const invited = await postInvitation(sandbox, { channel: 'web' });
  if (invited.status !== 201)
    throw new Error(`the survey link could not be made: ${invited.status}`);
  openLink = new URL(invited.json.surveyUrl).pathname;
  await portalSessions();
  const pool = sandbox.outputs.people;
  tokens.noGroup = await passwordToken(pool?.userPoolId ?? '', pool?.clientId ?? '');
  tokens.otherPool = await otherPoolToken();
  // Made before any request: signing blocks this process, the sandbox's too, for a moment.
  tokens.otherIssuer = resignedToken({
    iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_elsewhere',
  });
  tokens.otherAudience = resignedToken({ aud: 'someone-elses-client' });
  tokens.unchanged = resignedToken({});
  const regulator = sandbox.outputs.users.regulators?.idToken ?? '';
  tokens.edited = [
    regulator.split('.')[0],
    base64url({ ...partOf(regulator, 1), 'cognito:groups': ['admins'] }),
    regulator.split('.')[2],
  ].join('.');
  tokens.expired = resignedToken({ exp: now() - 60, iat: now() - 3660, auth_time: now() - 3660 });
  const admin = sandbox.outputs.users.admins?.idToken ?? '';
  tokens.algNone = `${base64url({ ...partOf(admin, 0), alg: 'none' })}.${admin.split('.')[1]}.`;
  // Let the invitation's own stream work settle, so that "before" is what stays.
  await settled();
  before = await snapshotStoredState(sandbox);
});

afterAll(async () => {
  await sandbox?.stop();
});

/** Waits until two snapshots a second apart agree: the pollers have nothing left to do. */
async function settled(): Promise<StoredState> {
  let previous = await snapshotStoredState(sandbox);
  for (let round = 0; round < 30; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const next = await snapshotStoredState(sandbox);
    if (JSON.stringify(next) === JSON.stringify(previous)) return next;
    previous = next;
  }
  return previous;
}

// ---- requests ------------------------------------------------------------------------------

interface Attempt {
  method: string;
  path: string;
  headers?: [string, string][];
  body?: string | Buffer;
}

const OVERSIZED = `{"padding":"${'x'.repeat(64 * 1024)}"}`;

/** A JSON body with raw bytes where `@@` stands (invalid UTF-8 cannot be written in a string). */
const withBytes = (json: string, bytes: number[]) => {
  const [head = '', tail = ''] = json.split('@@');
  return Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
};

/** A request signed as an operator system signs it (§4.1), spoilt as the options say. */
function operator(
  path: string,
  body: unknown,
  options: {
    secret?: string;
    timestamp?: number;
    header?: string | string[] | null;
    contentType?: string | null;
    signedBody?: Buffer;
  } = {},
): Attempt {
  const raw = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const signature = signatureHeader(
    options.secret ?? secrets().invitation,
    options.timestamp ?? now(),
    options.signedBody ?? raw,
  );
  const headers: [string, string][] = [];
  if (options.contentType !== null)
    headers.push(['content-type', options.contentType ?? 'application/json']);
  const header = options.header === undefined ? signature : options.header;
  for (const value of header === null ? [] : Array.isArray(header) ? header : [header]) {
    headers.push(['x-signature', value]);
  }
  return { method: 'POST', path, headers, body: raw };
}

const complaintSigned = (
  body: unknown,
  options: Parameters<typeof operator>[2] = {},
  source = 'crm',
) => operator(`/webhooks/complaints/${source}`, body, { secret: secrets().complaint, ...options });

/** A signed invitation whose `X-Signature` header is rewritten (or repeated) by `spell`. */
function respelled(spell: (header: string) => string | string[]): Attempt {
  const body = Buffer.from(JSON.stringify(invitation()));
  return operator('/invitations', body, {
    header: spell(signatureHeader(secrets().invitation, now(), body)),
  });
}

/** A valid invitation with one field changed (or removed, as `undefined`). */
const invitation = (fields: Record<string, unknown> = {}) => ({
  eventId: `inv-${randomUUID()}`,
  customerRef: 'C-1029384',
  phone: '+8613800138000',
  locale: 'zh-CN',
  channel: 'web',
  touchpoint: 'store',
  region: 'GD-SZ',
  service: 'mobile_data',
  occurredAt: new Date().toISOString(),
  ...fields,
});
const complaint = (fields: Record<string, unknown> = {}) =>
  complaintEvent({ occurredAt: new Date().toISOString(), ...fields } as never);
const caseEvent = (fields: Record<string, unknown> = {}) => ({
  eventId: `fu-${randomUUID()}`,
  type: 'contacted',
  occurredAt: new Date().toISOString(),
  ...fields,
});
const UNKNOWN_CASE = '/cases/case_q3TqD0w7YlVhQ2n1mH6bZA/events';

/** An inbound SMS form, signed by the official Twilio helper (§4.2), spoilt as the options say. */
function sms(
  fields: Record<string, string | string[]> = {},
  options: {
    authToken?: string;
    url?: string;
    signature?: string | null;
    sent?: [string, string][];
    contentType?: string;
  } = {},
): Attempt {
  const params = {
    MessageSid: `SM${randomUUID().replaceAll('-', '')}`,
    AccountSid: 'AC00000000000000000000000000000000',
    From: '+8613900139000',
    To: '+8610690000',
    Body: '5',
    ...fields,
  };
  const signature = twilio.getExpectedTwilioSignature(
    options.authToken ?? secrets().sms,
    options.url ?? `${sandbox.outputs.apiUrl}/sms/inbound`,
    params,
  );
  const form = new URLSearchParams(
    options.sent ??
      Object.entries(params).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, one]),
      ),
  );
  const headers: [string, string][] = [
    ['content-type', options.contentType ?? 'application/x-www-form-urlencoded'],
  ];
  if (options.signature !== null)
    headers.push(['x-twilio-signature', options.signature ?? signature]);
  return { method: 'POST', path: '/sms/inbound', headers, body: form.toString() };
}

/** A signed inbound SMS whose base64 signature is sent in lower case. */
function smsSignatureLowerCased(): Attempt {
  const signed = sms();
  return {
    ...signed,
    headers: (signed.headers ?? []).map(([name, value]): [string, string] => [
      name,
      name === 'x-twilio-signature' ? value.toLowerCase() : value,
    ]),
  };
}

/** A request of a person with a bearer token (`group` names a seeded person, or a raw token). */
function person(
  method: string,
  path: string,
  who: string | null,
  body?: string | Buffer,
  contentType = 'application/json',
): Attempt {
  const headers: [string, string][] = [];
  if (who !== null) {
    headers.push([
      'authorization',
      who in (sandbox.outputs.users ?? {}) ? bearer(who) : `Bearer ${who}`,
    ]);
  }
  if (body !== undefined) headers.push(['content-type', contentType]);
  return { method, path, headers, ...(body !== undefined ? { body } : {}) };
}

/** A survey answer posted to a link. */
const answer = (
  path: string,
  body: string | Buffer,
  contentType = 'application/json',
): Attempt => ({
  method: 'POST',
  path,
  headers: [['content-type', contentType]],
  body,
});

/** A portal request with a session cookie (`admin`, `regulator`, or a forged value). */
function portalVisit(
  method: string,
  path: string,
  cookie: string | null,
  form?: Record<string, string>,
  options: { csrf?: boolean; body?: string; contentType?: string } = {},
): Attempt {
  const headers: [string, string][] = [['accept-language', 'en']];
  const value =
    cookie === 'admin' ? portal.admin : cookie === 'regulator' ? portal.regulator : cookie;
  if (value !== null) headers.push(['cookie', `__Host-tsq-session=${value}`]);
  if (form === undefined && options.body === undefined) return { method, path, headers };
  headers.push(['content-type', options.contentType ?? 'application/x-www-form-urlencoded']);
  const fields = options.csrf === false ? form : { csrf: portal.csrf, ...form };
  return { method, path, headers, body: options.body ?? new URLSearchParams(fields).toString() };
}

// ---- what each refusal looks like ----------------------------------------------------------

type Refusal =
  /** RFC 9457 problem details of this type (and a field pointer, when one is documented). */
  | { status: number; problem: string; pointer?: string }
  /** An HTML page; the portal's name their problem type. */
  | { status: number; page: 'survey' | 'portal' | 'survey-form'; problem?: string }
  /** API Gateway's own refusal, before any function runs (design.md §3). */
  | { status: number; gateway: string }
  /** A redirect to this place. */
  | { status: number; location: string };

interface Case {
  name: string;
  request: () => Attempt;
  refusal: Refusal;
}

const problem = (status: number, type: string, pointer?: string): Refusal => ({
  status,
  problem: type,
  ...(pointer ? { pointer } : {}),
});
const unauthenticated = problem(401, 'unauthenticated');
const gateway401 = { status: 401, gateway: 'Unauthorized' };
const invalid = (pointer?: string) => problem(400, 'validation', pointer);

// One row per case: name, request, the refusal documented for it.
// biome-ignore format: a table reads best with one row per case
const cases: Case[] = [
  // POST /invitations: the operator's signature (§4.1)
  { name: 'invitation without a signature', request: () => operator('/invitations', invitation(), { header: null }), refusal: unauthenticated },
  { name: 'invitation signed 301 s ago', request: () => operator('/invitations', invitation(), { timestamp: now() - 301 }), refusal: unauthenticated },
  { name: 'invitation signed 301 s ahead', request: () => operator('/invitations', invitation(), { timestamp: now() + 301 }), refusal: unauthenticated },
  { name: 'invitation signature without t=', request: () => operator('/invitations', invitation(), { header: `v1=${'0'.repeat(64)}` }), refusal: unauthenticated },
  { name: 'invitation signature not hex', request: () => operator('/invitations', invitation(), { header: `t=${now()},v1=${'z'.repeat(64)}` }), refusal: unauthenticated },
  { name: 'invitation signature in upper-case hex', request: () => respelled((header) => header.replace(/v1=(.*)$/, (_all, hex: string) => `v1=${hex.toUpperCase()}`)), refusal: unauthenticated },
  { name: 'invitation signature with upper-case names', request: () => respelled((header) => header.replace('t=', 'T=').replace('v1=', 'V1=')), refusal: unauthenticated },
  { name: 'invitation with the signature header twice', request: () => respelled((header) => [header, header.replace(/^t=(\d+)/, (_all, t: string) => `t=${Number(t) - 1}`)]), refusal: unauthenticated },
  { name: 'invitation signed with a complaint source’s secret', request: () => operator('/invitations', invitation(), { secret: secrets().complaint }), refusal: unauthenticated },
  { name: 'invitation whose body is not the one signed', request: () => operator('/invitations', invitation(), { signedBody: Buffer.from(JSON.stringify(invitation())) }), refusal: unauthenticated },
  { name: 'invitation signed with the SMS gateway’s token', request: () => operator('/invitations', invitation(), { secret: secrets().sms }), refusal: unauthenticated },
  // POST /invitations: size, media type, syntax
  { name: 'invitation over 64 KiB', request: () => operator('/invitations', OVERSIZED), refusal: problem(413, 'payload-too-large') },
  { name: 'invitation as text/plain', request: () => operator('/invitations', invitation(), { contentType: 'text/plain' }), refusal: problem(415, 'unsupported-media-type') },
  { name: 'invitation without a content type', request: () => operator('/invitations', invitation(), { contentType: null }), refusal: problem(415, 'unsupported-media-type') },
  { name: 'invitation that is not JSON', request: () => operator('/invitations', '{"eventId": '), refusal: invalid('') },
  { name: 'invitation that is a JSON array', request: () => operator('/invitations', [invitation()]), refusal: invalid() },
  { name: 'invitation with an unknown field', request: () => operator('/invitations', invitation({ vip: true })), refusal: invalid() },
  { name: 'invitation without a phone', request: () => operator('/invitations', invitation({ phone: undefined })), refusal: invalid('/phone') },
  // POST /invitations: encodings in ids and numbers
  { name: 'customerRef with a NUL', request: () => operator('/invitations', invitation({ customerRef: 'C-1\u0000' })), refusal: invalid('/customerRef') },
  { name: 'customerRef with an RTL override', request: () => operator('/invitations', invitation({ customerRef: 'C-\u202e4839' })), refusal: invalid('/customerRef') },
  { name: 'customerRef with a lone surrogate', request: () => operator('/invitations', invitation({ customerRef: 'C-\ud800' })), refusal: invalid('/customerRef') },
  { name: 'customerRef with invalid UTF-8', request: () => operator('/invitations', withBytes(JSON.stringify(invitation({ customerRef: 'C-@@' })), [0xc3, 0x28])), refusal: invalid() },
  { name: 'customerRef with full-width digits', request: () => operator('/invitations', invitation({ customerRef: 'C-１０２９' })), refusal: invalid('/customerRef') },
  { name: 'customerRef of 65 characters', request: () => operator('/invitations', invitation({ customerRef: 'C'.repeat(65) })), refusal: invalid('/customerRef') },
  { name: 'eventId with a path separator', request: () => operator('/invitations', invitation({ eventId: 'inv/../1' })), refusal: invalid('/eventId') },
  { name: 'eventId that is empty', request: () => operator('/invitations', invitation({ eventId: '' })), refusal: invalid('/eventId') },
  { name: 'phone in full-width digits', request: () => operator('/invitations', invitation({ phone: '+８６１３８００１３８０００' })), refusal: invalid('/phone') },
  { name: 'phone with a leading 00 instead of +', request: () => operator('/invitations', invitation({ phone: '008613800138000' })), refusal: invalid('/phone') },
  { name: 'phone as a number in exponent form', request: () => operator('/invitations', invitation({ phone: 8.613800138e12 })), refusal: invalid('/phone') },
  { name: 'occurredAt in year 0000', request: () => operator('/invitations', invitation({ occurredAt: '0000-01-01T00:00:00Z' })), refusal: invalid('/occurredAt') },
  { name: 'occurredAt in year 9999', request: () => operator('/invitations', invitation({ occurredAt: '9999-12-31T23:59:59Z' })), refusal: invalid('/occurredAt') },
  { name: 'occurredAt ten minutes ahead', request: () => operator('/invitations', invitation({ occurredAt: new Date(Date.now() + 600_000).toISOString() })), refusal: invalid('/occurredAt') },
  { name: 'occurredAt without an offset', request: () => operator('/invitations', invitation({ occurredAt: '2026-10-08T09:15:00' })), refusal: invalid('/occurredAt') },
  { name: 'occurredAt as epoch seconds', request: () => operator('/invitations', invitation({ occurredAt: 1.7e9 })), refusal: invalid('/occurredAt') },
  { name: 'region in lower case', request: () => operator('/invitations', invitation({ region: 'gd-sz' })), refusal: invalid('/region') },
  { name: 'locale the survey has no text for', request: () => operator('/invitations', invitation({ locale: 'fr' })), refusal: invalid('/locale') },
  { name: 'deferrable as a string', request: () => operator('/invitations', invitation({ deferrable: 'yes' })), refusal: invalid('/deferrable') },
  // POST /webhooks/complaints/{source}
  { name: 'complaint for a source that does not exist', request: () => complaintSigned(complaint(), {}, 'nosuch'), refusal: unauthenticated },
  { name: 'complaint source with an encoded traversal', request: () => complaintSigned(complaint(), {}, '..%2Fcrm'), refusal: unauthenticated },
  { name: 'complaint source of 300 characters', request: () => complaintSigned(complaint(), {}, 'c'.repeat(300)), refusal: unauthenticated },
  { name: 'complaint signed with the invitation secret', request: () => complaintSigned(complaint(), { secret: secrets().invitation }), refusal: unauthenticated },
  { name: 'complaint signed 10 minutes ago', request: () => complaintSigned(complaint(), { timestamp: now() - 600 }), refusal: unauthenticated },
  { name: 'complaint signed 10 minutes ahead', request: () => complaintSigned(complaint(), { timestamp: now() + 600 }), refusal: unauthenticated },
  { name: 'complaint signature with an empty v1', request: () => complaintSigned(complaint(), { header: `t=${now()},v1=` }), refusal: unauthenticated },
  { name: 'complaint over 64 KiB', request: () => complaintSigned(OVERSIZED), refusal: problem(413, 'payload-too-large') },
  { name: 'complaint as a form', request: () => complaintSigned(complaint(), { contentType: 'application/x-www-form-urlencoded' }), refusal: problem(415, 'unsupported-media-type') },
  { name: 'complaint batch of 101', request: () => complaintSigned({ events: Array.from({ length: 101 }, () => complaint()) }), refusal: invalid('/events') },
  { name: 'complaint batch that is empty', request: () => complaintSigned({ events: [] }), refusal: invalid('/events') },
  { name: 'complaint batch whose events are a string', request: () => complaintSigned({ events: 'all' }), refusal: invalid('/events') },
  { name: 'complaint batch with one bad event', request: () => complaintSigned({ events: [complaint(), complaint({ type: 'deleted' })] }), refusal: invalid('/events/1/type') },
  { name: 'complaint occurredAt in 1970', request: () => complaintSigned(complaint({ occurredAt: '1970-01-01T00:00:00Z' })), refusal: invalid('/occurredAt') },
  { name: 'complaint occurredAt in year 9999', request: () => complaintSigned(complaint({ occurredAt: '9999-01-01T00:00:00+08:00' })), refusal: invalid('/occurredAt') },
  { name: 'complaintId with an encoded slash', request: () => complaintSigned(complaint({ complaintId: 'CMP%2F1' })), refusal: invalid('/complaintId') },
  { name: 'complaintId of 65 characters', request: () => complaintSigned(complaint({ complaintId: 'X'.repeat(65) })), refusal: invalid('/complaintId') },
  { name: 'complaint category with a NUL', request: () => complaintSigned(complaint({ category: 'billing\u0000' })), refusal: invalid('/category') },
  { name: 'complaint region with an RTL override', request: () => complaintSigned(complaint({ region: '\u202eGD-SZ' })), refusal: invalid('/region') },
  { name: 'complaint with invalid UTF-8 in a value', request: () => complaintSigned(withBytes(JSON.stringify(complaint({ region: 'GD-@@' })), [0xff, 0xfe])), refusal: invalid() },
  // POST /cases/{caseId}/events
  { name: 'case event without a signature', request: () => operator(UNKNOWN_CASE, caseEvent(), { header: null }), refusal: unauthenticated },
  { name: 'case event signed 301 s ago', request: () => operator(UNKNOWN_CASE, caseEvent(), { timestamp: now() - 301 }), refusal: unauthenticated },
  { name: 'case event signed by a complaint source', request: () => operator(UNKNOWN_CASE, caseEvent(), { secret: secrets().complaint }), refusal: unauthenticated },
  { name: 'case event for an unknown case', request: () => operator(UNKNOWN_CASE, caseEvent()), refusal: problem(404, 'not-found') },
  { name: 'case id with an encoded traversal', request: () => operator('/cases/..%2F..%2Fcase_x/events', caseEvent()), refusal: problem(404, 'not-found') },
  { name: 'case id of 3,000 characters', request: () => operator(`/cases/case_${'q'.repeat(3000)}/events`, caseEvent()), refusal: problem(404, 'not-found') },
  { name: 'case id with a NUL', request: () => operator('/cases/case_%00/events', caseEvent()), refusal: problem(404, 'not-found') },
  { name: 'case event of a type that does not exist', request: () => operator(UNKNOWN_CASE, caseEvent({ type: 'closed' })), refusal: invalid('/type') },
  { name: 'case event occurredAt as a number', request: () => operator(UNKNOWN_CASE, caseEvent({ occurredAt: 1e12 })), refusal: invalid('/occurredAt') },
  { name: 'case event with an unknown field', request: () => operator(UNKNOWN_CASE, caseEvent({ note: 'x' })), refusal: invalid() },
  { name: 'case event as CSV', request: () => operator(UNKNOWN_CASE, caseEvent(), { contentType: 'text/csv' }), refusal: problem(415, 'unsupported-media-type') },
  { name: 'case event over 64 KiB', request: () => operator(UNKNOWN_CASE, OVERSIZED), refusal: problem(413, 'payload-too-large') },
  // POST /sms/inbound: X-Twilio-Signature (§4.2)
  { name: 'SMS without a signature', request: () => sms({}, { signature: null }), refusal: unauthenticated },
  { name: 'SMS signed with another auth token', request: () => sms({}, { authToken: 'not-the-gateway-token' }), refusal: unauthenticated },
  { name: 'SMS signed for another URL', request: () => sms({}, { url: 'https://survey.example.com/sms/inbound' }), refusal: unauthenticated },
  { name: 'SMS whose body is not the one signed', request: () => sms({ Body: '5' }, { sent: [['MessageSid', 'SM1'], ['From', '+8613900139000'], ['To', '+8610690000'], ['Body', 'STOP']] }), refusal: unauthenticated },
  { name: 'SMS signature in the wrong case', request: () => smsSignatureLowerCased(), refusal: unauthenticated },
  { name: 'SMS signed with an operator’s HMAC', request: () => sms({}, { signature: signatureHeader(secrets().invitation, now(), Buffer.from('x')) }), refusal: unauthenticated },
  { name: 'SMS with Body twice, signed as the helper signs it', request: () => sms({ Body: ['STOP', 'START'] }), refusal: invalid('/Body') },
  { name: 'SMS without a MessageSid', request: () => sms({ MessageSid: [] }), refusal: invalid('/MessageSid') },
  { name: 'SMS From in full-width digits', request: () => sms({ From: '+８６１３９００１３９０００' }), refusal: invalid('/From') },
  { name: 'SMS MessageSid with a path separator', request: () => sms({ MessageSid: 'SM/../1' }), refusal: invalid('/MessageSid') },
  { name: 'SMS over 64 KiB', request: () => sms({ Body: 'x'.repeat(65 * 1024) }), refusal: problem(413, 'payload-too-large') },
  // GET and POST /s/{token}: the customer's token (§4.4)
  { name: 'survey page for an unknown token', request: () => ({ method: 'GET', path: `/s/${'A'.repeat(43)}` }), refusal: { status: 404, page: 'survey' } },
  { name: 'survey page for a token too short to be one', request: () => ({ method: 'GET', path: '/s/abc' }), refusal: { status: 404, page: 'survey' } },
  { name: 'survey page for a token of 5,000 characters', request: () => ({ method: 'GET', path: `/s/${'A'.repeat(5000)}` }), refusal: { status: 404, page: 'survey' } },
  { name: 'survey page with an encoded traversal', request: () => ({ method: 'GET', path: '/s/..%2F..%2Freports' }), refusal: { status: 404, page: 'survey' } },
  { name: 'survey page with a NUL', request: () => ({ method: 'GET', path: '/s/%00' }), refusal: { status: 404, page: 'survey' } },
  { name: 'survey page with an RTL override', request: () => ({ method: 'GET', path: '/s/%E2%80%AEabc' }), refusal: { status: 404, page: 'survey' } },
  { name: 'survey page with bad percent-encoding', request: () => ({ method: 'GET', path: '/s/%zz' }), refusal: { status: 400, gateway: 'Bad Request' } },
  { name: 'survey page with invalid UTF-8 encoded', request: () => ({ method: 'GET', path: '/s/%C3%28' }), refusal: { status: 400, gateway: 'Bad Request' } },
  { name: 'answer to an unknown token', request: () => answer(`/s/${'A'.repeat(43)}`, '{"csat":5,"nps":9}'), refusal: { status: 404, page: 'survey' } },
  { name: 'answer with csat 6', request: () => answer(openLink, '{"csat":6,"nps":9}'), refusal: invalid('/csat') },
  { name: 'answer with csat 0', request: () => answer(openLink, '{"csat":0,"nps":9}'), refusal: invalid('/csat') },
  { name: 'answer with nps -1', request: () => answer(openLink, '{"csat":5,"nps":-1}'), refusal: invalid('/nps') },
  { name: 'answer with csat 4.5', request: () => answer(openLink, '{"csat":4.5,"nps":9}'), refusal: invalid('/csat') },
  { name: 'answer with nps in exponent form (1e1)', request: () => answer(openLink, 'csat=5&nps=1e1', 'application/x-www-form-urlencoded'), refusal: { status: 400, page: 'survey-form' } },
  { name: 'answer with csat as a leading-zero JSON number', request: () => answer(openLink, '{"csat":05,"nps":9}'), refusal: invalid('') },
  { name: 'answer with csat 005 in a form', request: () => answer(openLink, 'csat=005&nps=9', 'application/x-www-form-urlencoded'), refusal: { status: 400, page: 'survey-form' } },
  { name: 'answer with csat in full-width digits', request: () => answer(openLink, 'csat=%EF%BC%95&nps=9', 'application/x-www-form-urlencoded'), refusal: { status: 400, page: 'survey-form' } },
  { name: 'answer with csat as text', request: () => answer(openLink, '{"csat":"five","nps":9}'), refusal: invalid('/csat') },
  { name: 'answer with a comment of 1,001 characters', request: () => answer(openLink, JSON.stringify({ csat: 5, nps: 9, comment: 'x'.repeat(1001) })), refusal: invalid('/comment') },
  { name: 'answer with a NUL in the comment', request: () => answer(openLink, JSON.stringify({ csat: 5, nps: 9, comment: 'fine\u0000' })), refusal: invalid('/comment') },
  { name: 'answer with a lone surrogate in the comment', request: () => answer(openLink, '{"csat":5,"nps":9,"comment":"ok \\ud800"}'), refusal: invalid('/comment') },
  { name: 'answer with invalid UTF-8 in the comment', request: () => answer(openLink, withBytes('{"csat":5,"nps":9,"comment":"ok @@"}', [0xe2, 0x82])), refusal: invalid() },
  { name: 'answer with an unknown field', request: () => answer(openLink, '{"csat":5,"nps":9,"csat2":1}'), refusal: invalid() },
  { name: 'answer as a JSON array', request: () => answer(openLink, '[5,9]'), refusal: invalid('') },
  { name: 'answer as text/plain', request: () => answer(openLink, 'csat=5&nps=9', 'text/plain'), refusal: problem(415, 'unsupported-media-type') },
  { name: 'answer over 64 KiB', request: () => answer(openLink, OVERSIZED), refusal: problem(413, 'payload-too-large') },
  // People's JWTs (§4.3): refused by the authorizer, or by the function's group check
  { name: 'reports without a token', request: () => person('GET', '/reports', null), refusal: gateway401 },
  { name: 'reports with an expired token', request: () => person('GET', '/reports', tokens.expired), refusal: gateway401 },
  { name: 'reports with an alg:none token', request: () => person('GET', '/reports', tokens.algNone), refusal: gateway401 },
  { name: 'reports with another pool’s token', request: () => person('GET', '/reports', tokens.otherPool), refusal: gateway401 },
  { name: 'reports with another issuer, same key', request: () => person('GET', '/reports', tokens.otherIssuer), refusal: gateway401 },
  { name: 'reports with another audience, same key', request: () => person('GET', '/reports', tokens.otherAudience), refusal: gateway401 },
  { name: 'reports with a token whose claims were edited', request: () => person('GET', '/reports', tokens.edited), refusal: gateway401 },
  { name: 'reports with a token that is not a JWT', request: () => person('GET', '/reports', 'not.a.jwt'), refusal: gateway401 },
  { name: 'reports for a person in no group', request: () => person('GET', '/reports', tokens.noGroup), refusal: problem(403, 'forbidden') },
  { name: 'a report that does not exist', request: () => person('GET', '/reports/20261101T000000Z-0123456789ab', 'regulators'), refusal: problem(404, 'not-found') },
  { name: 'a report id with an encoded traversal', request: () => person('GET', '/reports/..%2F..%2Fsigning-key', 'regulators'), refusal: problem(404, 'not-found') },
  { name: 'a report id of 2,000 characters', request: () => person('GET', `/reports/${'9'.repeat(2000)}`, 'regulators'), refusal: problem(404, 'not-found') },
  { name: 'a file of a report that does not exist', request: () => person('GET', '/reports/20261101T000000Z-0123456789ab/files/report.json', 'regulators'), refusal: problem(404, 'not-found') },
  { name: 'a file name with a traversal', request: () => person('GET', '/reports/20261101T000000Z-0123456789ab/files/..%2F..%2Fmanifest.json', 'assessors'), refusal: problem(404, 'not-found') },
  { name: 'a file with an expired token', request: () => person('GET', '/reports/20261101T000000Z-0123456789ab/files/report.json', tokens.expired), refusal: gateway401 },
  // POST /reports/runs (admins)
  { name: 'report run by a regulator', request: () => person('POST', '/reports/runs', 'regulators', '{"profile":"baseline","period":"2026-10"}'), refusal: problem(403, 'forbidden') },
  { name: 'report run with an expired admin token', request: () => person('POST', '/reports/runs', tokens.expired, '{"profile":"baseline","period":"2026-10"}'), refusal: gateway401 },
  { name: 'report run for 1970-Q1', request: () => person('POST', '/reports/runs', 'admins', '{"profile":"baseline","period":"1970-Q1"}'), refusal: invalid('/period') },
  { name: 'report run for 9999', request: () => person('POST', '/reports/runs', 'admins', '{"profile":"cn-miit","period":"9999"}'), refusal: invalid('/period') },
  { name: 'report run for quarter 5', request: () => person('POST', '/reports/runs', 'admins', '{"profile":"baseline","period":"2026-Q5"}'), refusal: invalid('/period') },
  { name: 'report run for month 13', request: () => person('POST', '/reports/runs', 'admins', '{"profile":"baseline","period":"2026-13"}'), refusal: invalid('/period') },
  { name: 'report run for a period with a leading zero', request: () => person('POST', '/reports/runs', 'admins', '{"profile":"baseline","period":"02026-10"}'), refusal: invalid('/period') },
  { name: 'report run for a period as a number', request: () => person('POST', '/reports/runs', 'admins', '{"profile":"baseline","period":2026}'), refusal: invalid('/period') },
  { name: 'report run for the current, incomplete month', request: () => person('POST', '/reports/runs', 'admins', JSON.stringify({ profile: 'baseline', period: new Date().toISOString().slice(0, 7) })), refusal: invalid('/period') },
  { name: 'report run for a profile path', request: () => person('POST', '/reports/runs', 'admins', '{"profile":"../../etc/passwd","period":"previous"}'), refusal: invalid('/profile') },
  { name: 'report run as CSV', request: () => person('POST', '/reports/runs', 'admins', 'profile,period', 'text/csv'), refusal: problem(415, 'unsupported-media-type') },
  { name: 'report run over 64 KiB', request: () => person('POST', '/reports/runs', 'admins', OVERSIZED), refusal: problem(413, 'payload-too-large') },
  // PUT /reference/subscribers/{period} (admins)
  { name: 'subscribers by an assessor', request: () => person('PUT', '/reference/subscribers/2026-10', 'assessors', '{"counts":[]}'), refusal: problem(403, 'forbidden') },
  { name: 'subscribers for month 00', request: () => person('PUT', '/reference/subscribers/2026-00', 'admins', '{"counts":[{"region":"GD-SZ","service":"iptv","subscribers":1}]}'), refusal: invalid() },
  { name: 'subscribers for a period with a traversal', request: () => person('PUT', '/reference/subscribers/..%2F2026-10', 'admins', '{"counts":[{"region":"GD-SZ","service":"iptv","subscribers":1}]}'), refusal: invalid() },
  { name: 'subscribers below zero', request: () => person('PUT', '/reference/subscribers/2026-10', 'admins', '{"counts":[{"region":"GD-SZ","service":"iptv","subscribers":-1}]}'), refusal: invalid('/counts/0/subscribers') },
  { name: 'subscribers as a fraction', request: () => person('PUT', '/reference/subscribers/2026-10', 'admins', '{"counts":[{"region":"GD-SZ","service":"iptv","subscribers":2.5}]}'), refusal: invalid('/counts/0/subscribers') },
  { name: 'subscribers beyond a safe integer', request: () => person('PUT', '/reference/subscribers/2026-10', 'admins', '{"counts":[{"region":"GD-SZ","service":"iptv","subscribers":1e300}]}'), refusal: invalid('/counts/0/subscribers') },
  { name: 'subscribers CSV in exponent form', request: () => person('PUT', '/reference/subscribers/2026-10', 'admins', 'region,service,subscribers\nGD-SZ,iptv,1e6\n', 'text/csv'), refusal: invalid() },
  { name: 'subscribers CSV in full-width digits', request: () => person('PUT', '/reference/subscribers/2026-10', 'admins', 'region,service,subscribers\nGD-SZ,iptv,１０００\n', 'text/csv'), refusal: invalid() },
  { name: 'subscribers CSV without its header', request: () => person('PUT', '/reference/subscribers/2026-10', 'admins', 'GD-SZ,iptv,1000\n', 'text/csv'), refusal: invalid() },
  { name: 'subscribers with a region twice', request: () => person('PUT', '/reference/subscribers/2026-10', 'admins', '{"counts":[{"region":"GD-SZ","service":"iptv","subscribers":1},{"region":"GD-SZ","service":"iptv","subscribers":2}]}'), refusal: invalid() },
  { name: 'subscribers as text/plain', request: () => person('PUT', '/reference/subscribers/2026-10', 'admins', 'x', 'text/plain'), refusal: problem(415, 'unsupported-media-type') },
  // DELETE /customers/{customerRef} (admins)
  { name: 'erasure without a token', request: () => person('DELETE', '/customers/C-1029384', null), refusal: gateway401 },
  { name: 'erasure by a regulator', request: () => person('DELETE', '/customers/C-1029384', 'regulators'), refusal: problem(403, 'forbidden') },
  { name: 'erasure with an alg:none token', request: () => person('DELETE', '/customers/C-1029384', tokens.algNone), refusal: gateway401 },
  { name: 'erasure of a reference with an encoded slash', request: () => person('DELETE', '/customers/C-1%2F..%2F2', 'admins'), refusal: invalid('/customerRef') },
  { name: 'erasure of a reference of 65 characters', request: () => person('DELETE', `/customers/${'C'.repeat(65)}`, 'admins'), refusal: invalid('/customerRef') },
  { name: 'erasure of a reference with a NUL', request: () => person('DELETE', '/customers/C-1%00', 'admins'), refusal: invalid('/customerRef') },
  { name: 'erasure of a reference in full-width letters', request: () => person('DELETE', '/customers/%EF%BC%A3-1', 'admins'), refusal: invalid('/customerRef') },
  { name: 'erasure of a reference with an RTL override', request: () => person('DELETE', '/customers/C-%E2%80%AE1', 'admins'), refusal: invalid('/customerRef') },
  // GET /reports/signing-key (anyone): only GET is a route
  { name: 'signing key posted to', request: () => ({ method: 'POST', path: '/reports/signing-key', body: '{}' }), refusal: { status: 404, gateway: 'Not Found' } },
  // The portal (§4.5): its session cookie and CSRF token
  { name: 'portal page with a forged session cookie', request: () => portalVisit('GET', '/portal/reports', 'forged-session-value'), refusal: { status: 303, location: '/portal' } },
  { name: 'portal form with a forged session cookie', request: () => portalVisit('POST', '/portal/admin/runs', 'forged', { profile: 'baseline', period: '2026-10' }), refusal: { status: 303, location: '/portal' } },
  { name: 'portal callback that no sign-in started', request: () => portalVisit('GET', '/portal/callback?code=abc&state=forged', null), refusal: { status: 400, page: 'portal', problem: 'sign-in-failed' } },
  { name: 'portal page that does not exist', request: () => portalVisit('GET', '/portal/nowhere', 'admin'), refusal: { status: 404, page: 'portal', problem: 'not-found' } },
  { name: 'portal report id with an encoded traversal', request: () => portalVisit('GET', '/portal/reports/..%2F..%2Fadmin', 'admin'), refusal: { status: 404, page: 'portal', problem: 'not-found' } },
  { name: 'portal file of a report that does not exist', request: () => portalVisit('GET', '/portal/reports/20261101T000000Z-0123456789ab/files/report.json', 'regulator'), refusal: { status: 404, page: 'portal', problem: 'not-found' } },
  { name: 'portal path with bad percent-encoding', request: () => portalVisit('GET', '/portal/%zz', 'admin'), refusal: { status: 400, gateway: 'Bad Request' } },
  { name: 'portal admin page for a regulator', request: () => portalVisit('GET', '/portal/admin', 'regulator'), refusal: { status: 403, page: 'portal', problem: 'forbidden' } },
  { name: 'portal report run without the CSRF token', request: () => portalVisit('POST', '/portal/admin/runs', 'admin', { profile: 'baseline', period: '2026-10' }, { csrf: false }), refusal: { status: 403, page: 'portal', problem: 'csrf' } },
  { name: 'portal report run with another CSRF token', request: () => portalVisit('POST', '/portal/admin/runs', 'admin', { profile: 'baseline', period: '2026-10', csrf: 'x' }, { csrf: false }), refusal: { status: 403, page: 'portal', problem: 'csrf' } },
  { name: 'portal report run by a regulator', request: () => portalVisit('POST', '/portal/admin/runs', 'regulator', { profile: 'baseline', period: '2026-10' }), refusal: { status: 403, page: 'portal', problem: 'forbidden' } },
  { name: 'portal report run for 1970-Q1', request: () => portalVisit('POST', '/portal/admin/runs', 'admin', { profile: 'baseline', period: '1970-Q1' }), refusal: { status: 400, page: 'portal' } },
  { name: 'portal subscribers in full-width digits', request: () => portalVisit('POST', '/portal/admin/subscribers', 'admin', { period: '2026-10', csv: 'region,service,subscribers\nGD-SZ,iptv,１０\n' }), refusal: { status: 400, page: 'portal' } },
  { name: 'portal invitation of an address that is not one', request: () => portalVisit('POST', '/portal/admin/people', 'admin', { email: 'not an address', group: 'admins' }), refusal: { status: 400, page: 'portal' } },
  { name: 'portal invitation to a group that does not exist', request: () => portalVisit('POST', '/portal/admin/people', 'admin', { email: 'new@example.com', group: 'root' }), refusal: { status: 400, page: 'portal' } },
  { name: 'portal form as JSON', request: () => portalVisit('POST', '/portal/admin/runs', 'admin', undefined, { body: '{"profile":"baseline"}', contentType: 'application/json' }), refusal: { status: 415, page: 'portal', problem: 'unsupported-media-type' } },
  { name: 'portal form over 64 KiB', request: () => portalVisit('POST', '/portal/admin/runs', 'admin', { profile: 'x'.repeat(65 * 1024) }), refusal: { status: 413, page: 'portal', problem: 'payload-too-large' } },
];

/** Sends one attempt; answers the response and its body as text. */
async function send(attempt: Attempt) {
  const headers = new Headers();
  for (const [name, value] of attempt.headers ?? []) headers.append(name, value);
  const response = await fetch(`${sandbox.outputs.apiUrl}${attempt.path}`, {
    method: attempt.method,
    headers,
    redirect: 'manual',
    ...(attempt.body !== undefined ? { body: attempt.body } : {}),
  });
  return { response, text: await response.text() };
}

describe('bad input', () => {
  it('has at least 80 cases, across every route of the API', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    expect(new Set(cases.map((one) => one.name)).size).toBe(cases.length);
  });

  it('accepts the admin token re-signed unchanged, so the token cases differ in one claim', async () => {
    const { response } = await send(person('GET', '/reports', tokens.unchanged));

    expect(response.status).toBe(200);
  });

  it.each(cases)('refuses $name', async ({ request, refusal }) => {
    const { response, text } = await send(request());
    const type = response.headers.get('content-type') ?? '';

    expect(response.status, text.slice(0, 400)).toBe(refusal.status);
    if ('problem' in refusal && !('page' in refusal)) {
      expect(type).toBe('application/problem+json');
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(body).toMatchObject({
        type: `urn:telecom-service-quality:problem:${refusal.problem}`,
        status: refusal.status,
        title: expect.any(String),
        detail: expect.any(String),
      });
      if (refusal.pointer !== undefined) {
        expect(body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ pointer: refusal.pointer })]),
        );
      }
    } else if ('page' in refusal) {
      expect(type).toMatch(/^text\/html/);
      expect(text).toMatch(/^<!doctype html>/i);
      if (refusal.page === 'survey-form') expect(text).toContain('<form');
      if (refusal.problem) {
        expect(text).toContain(`urn:telecom-service-quality:problem:${refusal.problem}`);
      }
    } else if ('gateway' in refusal) {
      expect(JSON.parse(text)).toEqual({ message: refusal.gateway });
    } else {
      expect(response.headers.get('location')).toBe(refusal.location);
    }
  });

  it('changed nothing stored: every table, queue and bucket is as before', async () => {
    const after = await settled();

    expect(after).toEqual(before);
  });
});
