import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '#sandbox/emulator/moto.ts';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { type SandboxOutputs, type SandboxState, startSandbox } from '#sandbox/sandbox.ts';
import { signatureHeader } from '#shared/http/signature.ts';
import { complaintKeys } from '#shared/tables/complaints.ts';
import { complaintEvent } from '../support/webhooks.ts';

/** POSTs one event to a sandbox's complaint webhook, signed with its seeded crm secret. */
function postComplaint(outputs: SandboxOutputs, event: unknown) {
  const body = Buffer.from(JSON.stringify(event));
  const secret = outputs.secrets.complaintSources.crm ?? '';
  return fetch(`${outputs.apiUrl}/webhooks/complaints/crm`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signatureHeader(secret, Math.floor(Date.now() / 1000), body),
    },
    body,
  });
}

const isAlive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms = 60_000,
) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('npm start (the sandbox process)', () => {
  let child: ChildProcess;
  let stdout = '';
  let directory: string;
  let outputs: SandboxOutputs;
  let state: SandboxState;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'sandbox-'));
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/sandbox.ts'], {
      env: {
        ...process.env,
        SANDBOX_PORT: String(port),
        SANDBOX_DIR: directory,
        SANDBOX_ASSEMBLY: inject('assemblyDirectory'),
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const outputsFile = join(directory, 'outputs.json');
    await waitFor(
      () => (existsSync(outputsFile) || child.exitCode !== null ? true : undefined),
      'outputs.json',
    );
    if (child.exitCode !== null) throw new Error(`the sandbox exited:\n${stdout}`);
    outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as SandboxOutputs;
    state = JSON.parse(readFileSync(join(directory, 'state.json'), 'utf8')) as SandboxState;
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    if (isAlive(state?.emulatorPid)) process.kill(state.emulatorPid ?? 0, 'SIGKILL');
  });

  it('writes outputs.json as docs/design.md §8 gives it', () => {
    expect(outputs).toMatchObject({
      apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      region: 'us-east-1',
      secrets: {
        complaintSources: {
          crm: expect.stringMatching(/^[A-Za-z0-9]{48}$/),
          ticketing: expect.any(String),
          'field-repair': expect.any(String),
        },
      },
      users: expect.any(Object),
      portalUrl: `${outputs.apiUrl}/portal`,
      loginIssuer: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    // Each seeded person is printed with their password and TOTP set-up.
    for (const user of Object.values(outputs.users)) {
      expect(user.totpKey).toMatch(/^[A-Za-z2-7]+$/);
      expect(stdout).toContain(`${user.username} / ${user.password}`);
      expect(stdout).toContain(`TOTP key ${user.totpKey.toUpperCase()}`);
    }
    expect(stdout).toContain(`Portal        ${outputs.portalUrl}`);
    expect(stdout).toMatch(/otpauth:\/\/totp\/[^ ]+secret=[A-Z2-7]+/);
  });

  it('carries a complaint through HTTP, queue, processor and table with the printed curl example', async () => {
    const example = /--8<--\n([\s\S]*?)\n--8<--/.exec(stdout)?.[1];
    expect(example).toBeDefined();

    const result = spawnSync('bash', ['-c', example ?? ''], { encoding: 'utf8' });

    expect(result.stdout).toBe('{"accepted":1}');
    const processor = state.functions.find((fn) => fn.environment.COMPLAINTS_TABLE_NAME);
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: outputs.endpoint,
        region: outputs.region,
        credentials: emulatorCredentials,
      }),
    );
    const logged = await waitFor(
      () => /complaintId=(CMP-TRY-\d+) .*outcome=applied/.exec(stdout)?.[1],
      'the processor to apply the event',
    );
    const { Item } = await documents.send(
      new GetCommand({
        TableName: processor?.environment.COMPLAINTS_TABLE_NAME,
        Key: { pk: complaintKeys.pk('crm', logged), sk: 'STATE' },
      }),
    );
    expect(Item).toMatchObject({ complaintId: logged, status: 'open', category: 'billing' });
  });

  it('answers 404 for a route the template does not have', async () => {
    const unknown = await fetch(`${outputs.apiUrl}/webhooks/unknown`, { method: 'POST' });
    const wrongMethod = await fetch(`${outputs.apiUrl}/webhooks/complaints/crm`);

    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
    expect(wrongMethod.status).toBe(404);
  });

  it('answers 400 to a path that is not valid percent-encoding, and keeps serving', async () => {
    const invalid = await fetch(`${outputs.apiUrl}/s/%zz`);
    const invalidBody = await invalid.json();
    const after = await fetch(`${outputs.apiUrl}/reports/signing-key`);

    expect(invalid.status).toBe(400);
    expect(invalidBody).toEqual({ message: 'Bad Request' });
    expect(child.exitCode).toBeNull();
    expect(after.status).toBe(200);
  });

  it('streams each function log line prefixed with its name', () => {
    expect(stdout).toMatch(
      /complaint-intake\s+INFO\s+complaint events accepted source=crm accepted=1/,
    );
    expect(stdout).toMatch(/complaint-processor\s+INFO\s+complaint event processed/);
  });

  it('stops everything it started on Ctrl-C and removes outputs.json', async () => {
    expect(isAlive(state.emulatorPid)).toBe(true);

    child.kill('SIGINT');
    const [code] = await once(child, 'exit');

    expect(code).toBe(0);
    expect(stdout).toContain('Stopped; nothing left running.');
    await waitFor(
      () => (isAlive(state.emulatorPid) ? undefined : true),
      'moto_server to exit',
      10_000,
    );
    expect(existsSync(join(directory, 'outputs.json'))).toBe(false);
    await expect(fetch(outputs.apiUrl)).rejects.toThrow();
  });
});

describe('sandbox wiring', () => {
  it('fails loudly, with a 502, when a function lacks a variable its template should give it', async () => {
    // Prepare: the synthesized assembly with one environment variable taken out.
    const assembly = mkdtempSync(join(tmpdir(), 'assembly-'));
    cpSync(inject('assemblyDirectory'), assembly, { recursive: true });
    const templateFile = join(assembly, 'Tsq-dev-Stateless.template.json');
    const template = JSON.parse(readFileSync(templateFile, 'utf8'));
    for (const resource of Object.values(template.Resources) as {
      Type: string;
      Properties: { Environment?: { Variables: Record<string, unknown> } };
    }[]) {
      if (resource.Type === 'AWS::Lambda::Function') {
        delete resource.Properties.Environment?.Variables.COMPLAINT_EVENTS_QUEUE_URL;
      }
    }
    writeFileSync(templateFile, JSON.stringify(template));
    const printed: string[] = [];
    const sandbox = await startSandbox({
      port: await freePort(),
      directory: mkdtempSync(join(tmpdir(), 'sandbox-')),
      assemblyDirectory: assembly,
      print: (line) => printed.push(line),
      colour: false,
    });

    try {
      // Act
      const response = await postComplaint(sandbox.outputs, complaintEvent());

      // Assess
      expect(response.status).toBe(502);
      expect(printed.join('\n')).toMatch(
        /complaint-intake\s+ERROR\s+invocation failed: ConfigurationError: environment variable COMPLAINT_EVENTS_QUEUE_URL is required/,
      );
    } finally {
      await sandbox.stop();
    }
  });

  it('runs two sandboxes side by side on different ports without collision', async () => {
    const start = async () =>
      startSandbox({
        port: await freePort(),
        directory: mkdtempSync(join(tmpdir(), 'sandbox-')),
        assemblyDirectory: inject('assemblyDirectory'),
        print: () => undefined,
        colour: false,
      });
    const [first, second] = await Promise.all([start(), start()]);

    try {
      const answers = await Promise.all(
        [first, second].map(
          async (sandbox) => (await postComplaint(sandbox.outputs, complaintEvent())).status,
        ),
      );

      expect(answers).toEqual([202, 202]);
      expect(first.outputs.apiUrl).not.toBe(second.outputs.apiUrl);
      expect(first.outputs.endpoint).not.toBe(second.outputs.endpoint);
      expect(first.outputs.secrets.complaintSources.crm).not.toBe(
        second.outputs.secrets.complaintSources.crm,
      );
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
