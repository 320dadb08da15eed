import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { emulatorCognito, jwtAuthorizer, type SeededUsers, seedPeople } from './emulator/people.ts';
import { emulatorCredentials } from './emulator/provision.ts';
import { type LocalApp, startLocalApp } from './local-app.ts';
import { formatFunctionLog } from './log-format.ts';
import { type LoginProvider, startLoginProvider } from './login/login-provider.ts';
import { otpauthUri } from './login/totp.ts';
import { synthesizeIfChanged } from './synthesize.ts';
import { HttpApiServer } from './triggers/http-api-server.ts';
import { ScheduleRunner } from './triggers/schedules.ts';

export interface SandboxOptions {
  /** Port of the HTTP API on 127.0.0.1 (SANDBOX_PORT, default 3000). */
  port: number;
  /** An emulator already running (AWS_ENDPOINT_URL); otherwise moto_server is started. */
  endpoint?: string;
  /** Where outputs.json, state.json and the cloud assembly go (SANDBOX_DIR, default .sandbox). */
  directory: string;
  /** Use this cloud assembly as it is instead of synthesizing (SANDBOX_ASSEMBLY). */
  assemblyDirectory?: string;
  /** Receives every line the sandbox prints: its own and the functions' logs. */
  print: (line: string) => void;
  colour: boolean;
  /**
   * Seconds a failed message stays invisible before its retry (SANDBOX_RETRY_SECONDS).
   * Unset, the queue's visibility timeout applies, as in Lambda.
   */
  retrySeconds?: number;
  /**
   * A receiver on this machine's loopback (SANDBOX_FOLLOW_UP_URL, e.g.
   * `http://127.0.0.1:4000/cases`) that takes every follow-up case as the endpoint
   * `sandbox-receiver`, signed with a secret made here (in outputs.json). The stacks can
   * name no such endpoint: loopback and plain http are the sandbox's alone.
   */
  followUpReceiverUrl?: string;
}

/** The name of the sandbox's own follow-up endpoint. */
export const SANDBOX_RECEIVER = 'sandbox-receiver';

/** `.sandbox/outputs.json` (docs/design.md §8): what scripts and outside test suites read. */
export interface SandboxOutputs {
  apiUrl: string;
  endpoint: string;
  region: string;
  secrets: {
    complaintSources: Record<string, string>;
    invitationSources: Record<string, string>;
    smsAuthToken: string;
  };
  users: SeededUsers;
  /** The portal's front page (`<apiUrl>/portal`), when the app has a portal. */
  portalUrl?: string;
  /** The stand-in login's issuer, where the portal signs people in. */
  loginIssuer?: string;
  /** The emulator's user pool, for `npm run admin -- add-user` and `token`. */
  people?: { userPoolId: string; clientId: string };
  /** With SANDBOX_FOLLOW_UP_URL: where follow-up cases go and the secret that signs them. */
  followUpReceiver?: { url: string; secret: string };
}

/** `.sandbox/state.json`: what `npm run invoke` needs to run a function against this sandbox. */
export interface SandboxState {
  pid: number;
  emulatorPid: number | undefined;
  endpoint: string;
  region: string;
  assemblyDirectory: string;
  functions: LocalApp['provisioned']['functions'];
}

export interface Sandbox {
  outputs: SandboxOutputs;
  /** Where outputs.json and state.json are (SANDBOX_DIR for the CLI tools). */
  directory: string;
  app: LocalApp;
  server: HttpApiServer;
  /** The template's schedules, fired by the sandbox (moto never fires them). */
  schedules: ScheduleRunner;
  /** The stand-in for the user pool's managed login, when the app has a portal. */
  login: LoginProvider | undefined;
  readyMs: number;
  synthesized: boolean;
  stop(): Promise<void>;
}

const shortName = (app: LocalApp, functionArn: string) => {
  const fn = app.provisioned.functions.find((candidate) => candidate.functionArn === functionArn);
  return fn?.environment.POWERTOOLS_SERVICE_NAME ?? fn?.logicalId ?? functionArn;
};

/**
 * The whole synthesized app on one machine: the emulator provisioned from the template,
 * each function's bundled asset in its own workers, the HTTP API on 127.0.0.1, the SQS
 * event source mappings polled as Lambda polls them.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const directory = resolve(options.directory);
  mkdirSync(directory, { recursive: true });
  let synthesized = false;
  let assemblyDirectory = options.assemblyDirectory;
  if (!assemblyDirectory) {
    assemblyDirectory = join(directory, 'cdk.out');
    options.print('Synthesizing the CDK app…');
    synthesized = synthesizeIfChanged(assemblyDirectory).synthesized;
    if (!synthesized) options.print('Synthesis skipped: nothing it reads has changed.');
  }
  const started = Date.now();
  const printError = (name: string, message: string) =>
    options.print(
      formatFunctionLog(
        name,
        JSON.stringify({ level: 'ERROR', timestamp: new Date().toISOString(), message }),
        options.colour,
      ),
    );
  const app = await startLocalApp({
    assemblyDirectory,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    namePrefix: `sbx${options.port}${randomBytes(2).toString('hex')}`,
    httpApiUrl: `http://127.0.0.1:${options.port}`,
    concurrency: 4,
    ...(options.retrySeconds !== undefined
      ? { failedMessageVisibilitySeconds: options.retrySeconds }
      : {}),
    onLog: (name, line) => options.print(formatFunctionLog(name, line, options.colour)),
    onEventSourceError: (name, message) =>
      printError(name, `event source polling failed: ${message}`),
    // Lambda writes a failed invocation to the function's log; so does the sandbox.
    onError: (name, error) =>
      printError(name, `invocation failed: ${error.errorType}: ${error.errorMessage}`),
  });
  // An emulator started here must not outlive this process, however it ends.
  const emulatorPid = app.emulator?.pid;
  const killEmulator = () => {
    if (emulatorPid) {
      try {
        process.kill(emulatorPid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killEmulator);

  // Cognito e-mails an invited person their temporary password; the sandbox prints it.
  app.proxy.onMail = ({ to, temporaryPassword }) =>
    options.print(
      `${''.padEnd(13)}${'user pool mail'.padEnd(18)} to ${to}: your temporary password is ${temporaryPassword}`,
    );
  // What the functions send through SES: the emulator keeps it, the sandbox prints it.
  app.proxy.onEmail = ({ from, to, subject, text }) =>
    options.print(
      [
        `${''.padEnd(13)}${'ses mail'.padEnd(18)} from ${from} to ${to.join(', ')}: ${subject}`,
        ...text.split('\n').map((line) => `${''.padEnd(31)} | ${line}`),
      ].join('\n'),
    );
  await verifyNoticeSenders(app);
  const users = await seedPeople(app.provisioned);
  const followUpReceiver = await configureFollowUpDelivery(app, options.followUpReceiverUrl);
  let login: LoginProvider | undefined;
  try {
    login = await startPortalLogin(app);
  } catch (error) {
    await app.stop();
    process.off('exit', killEmulator);
    throw error;
  }
  const server = new HttpApiServer({
    routes: app.provisioned.routes,
    ...(app.provisioned.accessLogFormat
      ? { accessLogFormat: app.provisioned.accessLogFormat }
      : {}),
    authorizeJwt: jwtAuthorizer(app.provisioned.target),
    hostOf: (functionArn) => {
      const host = app.hosts.find((candidate) => candidate.fn.functionArn === functionArn);
      if (!host) throw new Error(`a route targets ${functionArn}, which the template lacks`);
      return host;
    },
    onRequest: ({ method, path, status, ms }) =>
      options.print(
        `${''.padEnd(13)}${'http'.padEnd(18)} ${method} ${path} → ${status} (${ms} ms)`,
      ),
  });
  try {
    await server.listen(options.port);
  } catch (error) {
    await login?.stop();
    await app.stop();
    process.off('exit', killEmulator);
    throw new Error(
      `cannot serve the API on 127.0.0.1:${options.port} (${(error as Error).message}); set SANDBOX_PORT to a free port`,
    );
  }
  for (const source of app.eventSources) source.start();
  const schedules = new ScheduleRunner(app.provisioned.schedules, app.sqs, (schedule) =>
    options.print(
      `${''.padEnd(13)}${'scheduler'.padEnd(18)} fired ${schedule.name}: ${schedule.input}`,
    ),
  );
  schedules.start((error) => printError('scheduler', error.message));

  const apiUrl = `http://127.0.0.1:${options.port}`;
  const outputs: SandboxOutputs = {
    apiUrl,
    endpoint: app.endpoint,
    region: app.region,
    secrets: {
      complaintSources: app.complaintSourceSecrets(),
      invitationSources: app.invitationSourceSecrets(),
      smsAuthToken: app.smsAuthToken() ?? '',
    },
    users,
    ...(followUpReceiver ? { followUpReceiver } : {}),
    ...(login ? { portalUrl: `${apiUrl}/portal`, loginIssuer: login.issuer } : {}),
    ...(app.provisioned.userPools[0]?.clientIds[0]
      ? {
          people: {
            userPoolId: app.provisioned.userPools[0].poolId,
            clientId: app.provisioned.userPools[0].clientIds[0],
          },
        }
      : {}),
  };
  const state: SandboxState = {
    pid: process.pid,
    emulatorPid,
    endpoint: app.endpoint,
    region: app.region,
    assemblyDirectory,
    functions: app.provisioned.functions,
  };
  const outputsFile = join(directory, 'outputs.json');
  const stateFile = join(directory, 'state.json');
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  writeFileSync(outputsFile, `${JSON.stringify(outputs, null, 2)}\n`);
  const readyMs = Date.now() - started;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      rmSync(outputsFile, { force: true });
      rmSync(stateFile, { force: true });
      schedules.stop();
      await server.close();
      await login?.stop();
      await app.stop();
      process.off('exit', killEmulator);
    })();
    return stopping;
  };
  return { outputs, directory, app, server, schedules, login, readyMs, synthesized, stop };
}

/**
 * The notice sender's address as a verified SES identity in the emulator: in AWS the
 * operator verifies it once (docs/operations.md, Publication notices); moto, like SES,
 * refuses to send from an address it does not know.
 */
async function verifyNoticeSenders(app: LocalApp): Promise<void> {
  const senders = new Set(
    app.provisioned.functions.flatMap((fn) =>
      fn.environment.NOTICE_SENDER ? [fn.environment.NOTICE_SENDER] : [],
    ),
  );
  if (senders.size === 0) return;
  const ses = new SESv2Client({
    endpoint: app.directEndpoint,
    region: app.region,
    credentials: emulatorCredentials,
  });
  try {
    for (const sender of senders) {
      await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: sender }));
    }
  } finally {
    ses.destroy();
  }
}

/**
 * Lets the case delivery function deliver to the loopback over plain http, as only the
 * sandbox may (before its first invocation, so its cold start reads it), and, given a
 * receiver's URL, adds that receiver as an endpoint taking `case.opened`, with a signing
 * secret of its own in the emulator's Secrets Manager.
 */
async function configureFollowUpDelivery(
  app: LocalApp,
  receiverUrl: string | undefined,
): Promise<{ url: string; secret: string } | undefined> {
  const delivery = app.hosts.find((host) => host.fn.environment.CASE_ENDPOINT_URLS !== undefined);
  const cases = app.hosts.find((host) => host.fn.environment.CASE_OPENED_ENDPOINTS !== undefined);
  if (!delivery || !cases) return undefined;
  delivery.fn.environment.SANDBOX_LOOPBACK_DELIVERY = '1';
  if (!receiverUrl) return undefined;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const secrets = new SecretsManagerClient({
    endpoint: app.directEndpoint,
    region: app.region,
    credentials: emulatorCredentials,
  });
  try {
    const { ARN = '' } = await secrets.send(
      new CreateSecretCommand({
        Name: `${SANDBOX_RECEIVER}-${randomBytes(4).toString('hex')}`,
        SecretString: JSON.stringify({ current: secret }),
      }),
    );
    const add = (environment: Record<string, string>, variable: string, value: string) => {
      environment[variable] = JSON.stringify({
        ...JSON.parse(environment[variable] ?? '{}'),
        [SANDBOX_RECEIVER]: value,
      });
    };
    add(cases.fn.environment, 'CASE_OPENED_ENDPOINTS', receiverUrl);
    add(delivery.fn.environment, 'CASE_ENDPOINT_URLS', receiverUrl);
    add(delivery.fn.environment, 'CASE_ENDPOINT_SECRETS', ARN);
  } finally {
    secrets.destroy();
  }
  return { url: receiverUrl, secret };
}

/**
 * The stand-in login for the portal's app client (the function that has OIDC_CLIENT_ID),
 * and the portal pointed at it: its OIDC_ISSUER_URL becomes the stand-in's issuer, the
 * one variable the sandbox sets otherwise than the template, since managed login is not
 * in the emulator.
 */
async function startPortalLogin(app: LocalApp): Promise<LoginProvider | undefined> {
  const portal = app.provisioned.functions.find(
    (fn) => fn.environment.OIDC_ISSUER_URL && fn.environment.OIDC_CLIENT_ID,
  );
  const poolId = portal?.environment.USER_POOL_ID;
  const clientId = portal?.environment.OIDC_CLIENT_ID;
  if (!portal || !poolId || !clientId) return undefined;
  const cognito = emulatorCognito(app.provisioned.target);
  const login = await startLoginProvider({ cognito, poolId, clientId });
  const stop = login.stop;
  portal.environment.OIDC_ISSUER_URL = login.issuer;
  return {
    issuer: login.issuer,
    async stop() {
      await stop();
      cognito.destroy();
    },
  };
}

/** What the sandbox prints once it is ready: where things are, and a request that works. */
export function describeSandbox(sandbox: Sandbox, directory: string): string[] {
  const { app, outputs } = sandbox;
  const [source = 'crm', secret = ''] = Object.entries(outputs.secrets.complaintSources)[0] ?? [];
  const routes = app.provisioned.routes.map(
    (route) => `${route.routeKey} → ${shortName(app, route.functionArn)}`,
  );
  const queues = app.provisioned.queueMappings.map(
    (mapping) =>
      `${mapping.queueArn
        .split(':')
        .at(-1)
        ?.replace(
          /^sbx[0-9a-f]+-/,
          '',
        )} → ${shortName(app, mapping.functionArn)} (batch ${mapping.batchSize}, window ${mapping.maximumBatchingWindowSeconds} s)`,
  );
  return [
    '',
    `Sandbox ready in ${(sandbox.readyMs / 1000).toFixed(1)} s${sandbox.synthesized ? ' after synthesis' : ''}.`,
    `  API           ${outputs.apiUrl}`,
    `  AWS emulator  ${outputs.endpoint}${app.emulator ? ` (moto_server, pid ${app.emulator.pid})` : ' (AWS_ENDPOINT_URL)'}`,
    `  Functions     ${app.hosts.map((host) => host.fn.environment.POWERTOOLS_SERVICE_NAME ?? host.fn.logicalId).join(', ')}`,
    ...routes.map((route, index) => `  ${index === 0 ? 'Routes' : '      '}        ${route}`),
    ...queues.map((queue, index) => `  ${index === 0 ? 'Queues' : '      '}        ${queue}`),
    '  Webhook secrets (X-Signature, docs/design.md §4.1):',
    ...Object.entries(outputs.secrets.complaintSources).map(
      ([name, value]) => `    complaints/${name.padEnd(14)}${value}`,
    ),
    ...Object.entries(outputs.secrets.invitationSources).map(
      ([name, value]) => `    invitations/${name.padEnd(13)}${value}`,
    ),
    `  SMS gateway auth token (X-Twilio-Signature): ${outputs.secrets.smsAuthToken}`,
    ...(outputs.portalUrl
      ? [
          `  Portal        ${outputs.portalUrl} (sign-in at ${outputs.loginIssuer}, the stand-in login)`,
        ]
      : []),
    '  People (user pool; password, then the TOTP code of the key; ID tokens in outputs.json):',
    ...Object.entries(outputs.users).flatMap(([group, user]) => [
      `    ${group.padEnd(12)}${user.username} / ${user.password}`,
      `    ${''.padEnd(12)}TOTP key ${user.totpKey.toUpperCase()}  ${otpauthUri(user.totpKey, user.username)}`,
    ]),
    ...(outputs.followUpReceiver
      ? [
          `  Follow-up     cases go to ${outputs.followUpReceiver.url} (Standard Webhooks, secret ${outputs.followUpReceiver.secret})`,
        ]
      : []),
    `  Outputs       ${join(directory, 'outputs.json')}`,
    '',
    'Send a signed complaint (bash; answers {"accepted":1}):',
    '--8<--',
    ...curlExample(outputs.apiUrl, source, secret),
    '--8<--',
    'Ctrl-C stops everything the sandbox started.',
    '',
  ];
}

function curlExample(apiUrl: string, source: string, secret: string): string[] {
  return [
    `body="{\\"eventId\\":\\"try-$(date +%s%N)\\",\\"complaintId\\":\\"CMP-TRY-$(date +%s)\\",\\"type\\":\\"created\\",\\"occurredAt\\":\\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\\",\\"kind\\":\\"complaint\\",\\"category\\":\\"billing\\",\\"region\\":\\"GD-SZ\\",\\"service\\":\\"mobile_data\\",\\"via\\":\\"direct\\"}"`,
    't=$(date +%s)',
    `sig=$(printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac '${secret}' -r | cut -d' ' -f1)`,
    `curl -sS -X POST ${apiUrl}/webhooks/complaints/${source} -H 'content-type: application/json' -H "x-signature: t=$t,v1=$sig" --data-binary "$body"`,
  ];
}

async function main() {
  const port = Number(process.env.SANDBOX_PORT ?? 3000);
  const directory = process.env.SANDBOX_DIR ?? '.sandbox';
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const print = (line: string) => process.stdout.write(`${line}\n`);
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      port,
      directory,
      ...(process.env.AWS_ENDPOINT_URL ? { endpoint: process.env.AWS_ENDPOINT_URL } : {}),
      ...(process.env.SANDBOX_ASSEMBLY ? { assemblyDirectory: process.env.SANDBOX_ASSEMBLY } : {}),
      ...(process.env.SANDBOX_RETRY_SECONDS
        ? { retrySeconds: Number(process.env.SANDBOX_RETRY_SECONDS) }
        : {}),
      ...(process.env.SANDBOX_FOLLOW_UP_URL
        ? { followUpReceiverUrl: process.env.SANDBOX_FOLLOW_UP_URL }
        : {}),
      print,
      colour,
    });
  } catch (error) {
    process.stderr.write(`\nThe sandbox could not start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  for (const line of describeSandbox(sandbox, directory)) print(line);
  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) process.exit(130);
    print(`\n${signal}: stopping the sandbox…`);
    void sandbox.stop().then(() => {
      print('Stopped; nothing left running.');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
