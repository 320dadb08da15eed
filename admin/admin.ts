/**
 * `npm run admin -- <command>`: the administrator's tools.
 *
 *   verify <directory> [--key signing-key.pem]
 *       Verifies a downloaded report offline: the manifest's signature against the
 *       published public key (GET /reports/signing-key), then every file against the
 *       manifest. Exit code 0 only when everything checks.
 *
 *   recompute <directory>
 *       Recomputes every figure of report.json from the assessor extract and the profile
 *       in methodology.json alone, and lists each one that differs. Exit code 0 when all
 *       are equal.
 *
 *   add-user <regulators|assessors|admins> <email> [--user-pool-id ID]
 *       Adds a person to a group. With --user-pool-id (the Stateful stack's UserPoolId
 *       output), in AWS with your credentials: Cognito emails a temporary password, and
 *       the first sign-in sets a new one and the TOTP second factor. Without it, in the
 *       running sandbox: prints a password that works at once.
 *
 *   token <regulators|assessors|admins|email> [--password P]
 *       The sandbox only: signs a person in and prints a fresh ID token (valid an hour),
 *       e.g. `curl -H "authorization: Bearer $(npm run -s admin -- token regulators)"`.
 *
 *   sign-in <email> [--client-id ID --user-pool-id ID] [--password P] [--new-password P] [--code C]
 *       Signs a person in to the user pool (SRP, then the TOTP code; on the first sign-in
 *       the new password and the authenticator's setup) and prints their ID token, valid an
 *       hour, for the API. With --client-id and --user-pool-id (the Stateful stack's
 *       outputs), in AWS; without, in the running sandbox. What is not given is asked for.
 *
 *   run <profile> <period|previous> [--api-url URL --token ID_TOKEN] [--wait SECONDS]
 *       POST /reports/runs as an admin, then waits for the report in GET /reports and
 *       prints its id. Without --api-url, against the running sandbox as its admin.
 *
 *   backfill-complaint-aggregates [--table COMPLAINTS_TABLE] [--segments N]
 *       Once, after the deploy that gave the complaints table its stream: marks every
 *       complaint state written before it `aggregated` (a parallel Scan), and the complaint
 *       aggregator counts each from the stream, once. Running it again marks nothing. With
 *       --table, in AWS with your credentials; without, in the running sandbox.
 *
 *   reshard-complaints [--table COMPLAINTS_TABLE] [--segments N]
 *       Once, after the deploy that sharded the month indexes: moves every complaint state
 *       still on a bare `YYYY-MM` month key to its shard `YYYY-MM#k` (a parallel Scan and
 *       conditional updates); no figure changes and nothing is counted again. Running it
 *       again moves nothing. With --table, in AWS; without, in the running sandbox.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline/promises';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
  type IAuthenticationCallback,
} from 'amazon-cognito-identity-js';
import { addPerson, emulatorCognito, signIn } from '#sandbox/emulator/people.ts';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { SandboxOutputs, SandboxState } from '#sandbox/sandbox.ts';
import { markComplaintStatesForAggregation } from '#shared/adapters/dynamodb/complaint-backfill.ts';
import { reshardComplaintMonthKeys } from '#shared/adapters/dynamodb/complaint-reshard.ts';
import { recomputeReport } from '#shared/reports/report-extract.ts';
import { verifyReport } from '#shared/reports/verify-report.ts';

const USAGE = [
  'usage: npm run admin -- verify <report directory> [--key signing-key.pem]',
  '       npm run admin -- recompute <report directory>',
  '       npm run admin -- add-user <regulators|assessors|admins> <email> [--user-pool-id ID]',
  '       npm run admin -- token <regulators|assessors|admins|email> [--password P]',
  '       npm run admin -- sign-in <email> [--client-id ID --user-pool-id ID] [--password P] [--new-password P] [--code C]',
  '       npm run admin -- run <profile> <period|previous> [--api-url URL --token T] [--wait S]',
  '       npm run admin -- backfill-complaint-aggregates [--table COMPLAINTS_TABLE] [--segments N]',
  '       npm run admin -- reshard-complaints [--table COMPLAINTS_TABLE] [--segments N]',
].join('\n');

const GROUPS = ['regulators', 'assessors', 'admins'];

/** `--name value` from the arguments, and the arguments that are not options. */
function parseArgs(args: string[]) {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg.startsWith('--')) {
      options.set(arg.slice(2), args[i + 1] ?? '');
      i += 1;
    } else positional.push(arg);
  }
  return { options, positional };
}

/** The running sandbox's outputs.json (SANDBOX_DIR, default .sandbox). */
function sandboxOutputs(): SandboxOutputs {
  const file = join(process.env.SANDBOX_DIR ?? '.sandbox', 'outputs.json');
  if (!existsSync(file)) {
    throw new Error(`no sandbox is running (no ${file}): start one with npm start`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as SandboxOutputs;
}

/** Runs `work` with a Cognito client, destroyed afterwards whatever happens. */
async function withCognito<T>(
  cognito: CognitoIdentityProviderClient,
  work: (cognito: CognitoIdentityProviderClient) => Promise<T>,
): Promise<T> {
  try {
    return await work(cognito);
  } finally {
    cognito.destroy();
  }
}

/** Runs `work` against the sandbox's pool, with a Cognito client for its emulator. */
function withSandboxPeople<T>(
  work: (people: {
    outputs: SandboxOutputs;
    pool: { poolId: string; clientId: string };
    cognito: CognitoIdentityProviderClient;
  }) => Promise<T>,
): Promise<T> {
  const outputs = sandboxOutputs();
  const people = outputs.people;
  if (!people) throw new Error('the sandbox has no user pool');
  const pool = { poolId: people.userPoolId, clientId: people.clientId };
  return withCognito(emulatorCognito(outputs), (cognito) => work({ outputs, pool, cognito }));
}

async function addUserCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args);
  const [group = '', email = ''] = positional;
  if (!GROUPS.includes(group) || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(USAGE);
  const poolId = options.get('user-pool-id');
  if (poolId) {
    await withCognito(new CognitoIdentityProviderClient({}), async (cognito) => {
      await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: poolId,
          Username: email,
          DesiredDeliveryMediums: ['EMAIL'],
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
      await cognito.send(
        new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: group }),
      );
    });
    console.log(
      `Added ${email} to ${group}. Cognito emails a temporary password; the first sign-in sets a new password and a TOTP authenticator.`,
    );
    return 0;
  }
  const person = await withSandboxPeople(({ pool, cognito }) =>
    addPerson(cognito, pool.poolId, group, email),
  );
  console.log(`Added ${email} to ${group} in the sandbox; password: ${person.password}`);
  console.log(`Its ID token: npm run -s admin -- token ${email} --password '${person.password}'`);
  return 0;
}

/** A fresh ID token for a sandbox person: a seeded group's user, or anyone with --password. */
function sandboxToken(who: string, password?: string): Promise<string> {
  return withSandboxPeople(({ outputs, pool, cognito }) => {
    const seeded = outputs.users[who];
    const secret = password ?? seeded?.password;
    if (!secret) throw new Error(`${who} is not a seeded group's user: give --password`);
    return signIn(cognito, pool, seeded?.username ?? who, secret, seeded?.totpKey);
  });
}

async function tokenCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args);
  const [who] = positional;
  if (!who) throw new Error(USAGE);
  console.log(await sandboxToken(who, options.get('password')));
  return 0;
}

/** Asks on the terminal (stderr, so that stdout carries only the token). */
async function ask(question: string): Promise<string> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question(question)).trim();
  } finally {
    prompt.close();
  }
}

/**
 * SRP sign-in with the pool's MFA: the password never leaves this machine (the people's
 * client allows SRP only). First sign-in: Cognito asks for a new password, then for a
 * TOTP authenticator, whose secret is printed as an otpauth:// URI to add to one.
 */
async function signInCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args);
  const [email] = positional;
  if (!email) throw new Error(USAGE);
  const deployed = options.get('client-id');
  const sandbox = deployed ? undefined : sandboxOutputs();
  const poolId = options.get('user-pool-id') ?? sandbox?.people?.userPoolId;
  const clientId = deployed ?? sandbox?.people?.clientId;
  if (!poolId || !clientId) throw new Error('give --client-id and --user-pool-id');
  const pool = new CognitoUserPool({
    UserPoolId: poolId,
    ClientId: clientId,
    ...(sandbox ? { endpoint: sandbox.endpoint } : {}),
  });
  const user = new CognitoUser({ Username: email, Pool: pool });
  const password = options.get('password') ?? (await ask('Password: '));
  const code = async () => options.get('code') ?? (await ask('Code from your authenticator: '));
  const idToken = await new Promise<string>((resolve, reject) => {
    const callbacks: IAuthenticationCallback & {
      associateSecretCode: (secret: string) => void;
    } = {
      onSuccess: (session) => resolve(session.getIdToken().getJwtToken()),
      onFailure: reject,
      newPasswordRequired: async () => {
        const chosen =
          options.get('new-password') ?? (await ask('First sign-in: choose a new password: '));
        user.completeNewPasswordChallenge(chosen, {}, callbacks);
      },
      mfaSetup: () => user.associateSoftwareToken(callbacks),
      associateSecretCode: async (secret) => {
        console.error('Add this key to your authenticator app (TOTP, 6 digits, 30 s):');
        console.error(
          `  otpauth://totp/${encodeURIComponent(`tsq:${email}`)}?secret=${secret}&issuer=tsq`,
        );
        user.verifySoftwareToken(await code(), 'authenticator', callbacks);
      },
      totpRequired: async () => user.sendMFACode(await code(), callbacks, 'SOFTWARE_TOKEN_MFA'),
    };
    user.authenticateUser(
      new AuthenticationDetails({ Username: email, Password: password }),
      callbacks,
    );
  });
  console.log(idToken);
  return 0;
}

async function runCommand(args: string[]): Promise<number> {
  const { options, positional } = parseArgs(args);
  const [profile, period] = positional;
  if (!profile || !period) throw new Error(USAGE);
  const apiUrl = options.get('api-url') ?? sandboxOutputs().apiUrl;
  const token =
    options.get('token') ??
    (options.has('api-url') ? undefined : await sandboxToken('admins')) ??
    process.env.TSQ_ID_TOKEN;
  if (!token) throw new Error('give an admin ID token: --token, or TSQ_ID_TOKEN');
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const requested = await fetch(`${apiUrl}/reports/runs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ profile, period }),
  });
  const answer = (await requested.json()) as { runId?: string; title?: string; detail?: string };
  if (requested.status !== 202) {
    console.error(`${requested.status} ${answer.title ?? ''}: ${answer.detail ?? ''}`);
    return 1;
  }
  console.log(`Run ${answer.runId} queued: ${profile} ${period}.`);
  const since = new Date(Date.now() - 1000).toISOString();
  const deadline = Date.now() + Number(options.get('wait') ?? 120) * 1000;
  while (Date.now() < deadline) {
    const listed = await fetch(`${apiUrl}/reports?profile=${encodeURIComponent(profile)}`, {
      headers,
    });
    const { reports = [] } = (await listed.json()) as {
      reports?: { reportId: string; period: string; generatedAt: string }[];
    };
    const report = reports.find((entry) => entry.generatedAt >= since);
    if (report) {
      console.log(`Report ${report.reportId} (${report.period}) is in GET /reports.`);
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  console.error('No report appeared in time; see the builder logs and the run dead-letter queue.');
  return 1;
}

/** Every file under a directory, by its path relative to it (extract/… included). */
function filesUnder(directory: string, root = directory): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      for (const [name, body] of filesUnder(path, root)) files.set(name, body);
    } else {
      files.set(relative(root, path), readFileSync(path));
    }
  }
  return files;
}

function verifyCommand(args: string[]): number {
  const { options, positional } = parseArgs(args);
  const [directory] = positional;
  if (!directory) throw new Error(USAGE);
  const keyPath = options.get('key') ?? join(directory, 'signing-key.pem');
  for (const [what, path] of [
    ['manifest', join(directory, 'manifest.json')],
    ['signature', join(directory, 'manifest.sig')],
    ['public key (GET /reports/signing-key, or --key)', keyPath],
  ] as const) {
    if (!existsSync(path)) throw new Error(`no ${what} at ${path}`);
  }
  const files = filesUnder(directory);
  const result = verifyReport({
    manifest: files.get('manifest.json') ?? Buffer.alloc(0),
    signature: files.get('manifest.sig')?.toString('utf8') ?? '',
    publicKeyPem: readFileSync(keyPath, 'utf8'),
    files,
  });
  console.log(`signature of manifest.json  ${result.signatureValid ? 'valid' : 'INVALID'}`);
  for (const file of result.files) {
    console.log(
      `${file.name.padEnd(27)} ${
        !file.ok ? `FAILS: ${file.problem}` : file.checked ? 'matches the manifest' : file.problem
      }`,
    );
  }
  console.log(result.ok ? 'The report verifies.' : 'The report does NOT verify.');
  return result.ok ? 0 : 1;
}

/** Recomputes report.json's figures from the extract and methodology.json alone. */
function recomputeCommand(args: string[]): number {
  const [directory] = parseArgs(args).positional;
  if (!directory) throw new Error(USAGE);
  const { recomputed, mismatches } = recomputeReport(filesUnder(directory));
  for (const mismatch of mismatches.slice(0, 20)) {
    console.log(`${mismatch.at} DIFFERS`);
    console.log(`  published   ${JSON.stringify(mismatch.published)}`);
    console.log(`  recomputed  ${JSON.stringify(mismatch.recomputed)}`);
  }
  if (mismatches.length > 20) console.log(`… and ${mismatches.length - 20} more`);
  console.log(
    mismatches.length === 0
      ? `All ${recomputed.indicators.length} figures and ${recomputed.rankings.length} rankings recomputed from the extract equal report.json.`
      : `${mismatches.length} figures of report.json are NOT what the extract gives.`,
  );
  return mismatches.length === 0 ? 0 : 1;
}

/**
 * Carries complaint states from before the complaints table's stream into the complaint
 * aggregates (docs/operations.md, The admin CLI): marks them, and the stream counts them.
 */
async function backfillComplaintAggregatesCommand(args: string[]): Promise<number> {
  const { target, segments } = complaintsScanTarget(args);
  try {
    const summary = await markComplaintStatesForAggregation({ ...target, segments });
    console.log(
      `${summary.marked} complaint states marked for the complaint aggregator, which counts each once from the stream` +
        (summary.unmarked > summary.marked
          ? ` (${summary.unmarked - summary.marked} were marked meanwhile by the processor or deleted)`
          : ''),
    );
    if (summary.marked === 0) console.log('Nothing to carry over: every state is counted.');
    return 0;
  } finally {
    target.client.destroy();
  }
}

/**
 * Moves complaint states from before the sharded month indexes onto their shards
 * (docs/operations.md, The admin CLI); the complaint aggregates do not change.
 */
async function reshardComplaintsCommand(args: string[]): Promise<number> {
  const { target, segments } = complaintsScanTarget(args);
  try {
    const summary = await reshardComplaintMonthKeys({ ...target, segments });
    console.log(
      `${summary.moved} complaint states moved to their month index shards` +
        (summary.unsharded > summary.moved
          ? ` (${summary.unsharded - summary.moved} were rewritten meanwhile by the processor or deleted)`
          : ''),
    );
    if (summary.moved === 0) console.log('Nothing to move: every state is on its shards.');
    return 0;
  } finally {
    target.client.destroy();
  }
}

/** The complaints table (--table in AWS, else the sandbox's) and the Scan's --segments. */
function complaintsScanTarget(args: string[]) {
  const { options } = parseArgs(args);
  const segments = Number(options.get('segments') ?? '4');
  if (!Number.isInteger(segments) || segments < 1 || segments > 64) throw new Error(USAGE);
  const table = options.get('table');
  const target = table
    ? { client: new DynamoDBClient({}), tableName: table }
    : sandboxComplaintsTable();
  return { target, segments };
}

/** The running sandbox's complaints table, as its functions are told it (state.json). */
function sandboxComplaintsTable() {
  const outputs = sandboxOutputs();
  const state = JSON.parse(
    readFileSync(join(process.env.SANDBOX_DIR ?? '.sandbox', 'state.json'), 'utf8'),
  ) as SandboxState;
  const tableName = state.functions
    .map((fn) => fn.environment.COMPLAINTS_TABLE_NAME)
    .find((name) => name !== undefined);
  if (!tableName) throw new Error('the sandbox has no complaints table');
  return {
    client: new DynamoDBClient({
      endpoint: outputs.endpoint,
      region: outputs.region,
      credentials: emulatorCredentials,
    }),
    tableName,
  };
}

try {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'verify') process.exitCode = verifyCommand(args);
  else if (command === 'recompute') process.exitCode = recomputeCommand(args);
  else if (command === 'add-user') process.exitCode = await addUserCommand(args);
  else if (command === 'token') process.exitCode = await tokenCommand(args);
  else if (command === 'run') process.exitCode = await runCommand(args);
  else if (command === 'sign-in') process.exitCode = await signInCommand(args);
  else if (command === 'backfill-complaint-aggregates')
    process.exitCode = await backfillComplaintAggregatesCommand(args);
  else if (command === 'reshard-complaints')
    process.exitCode = await reshardComplaintsCommand(args);
  else throw new Error(USAGE);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 2;
}
