import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** moto_server is not installed: say so plainly, with the fix. */
export class EmulatorMissingError extends Error {
  override name = 'EmulatorMissingError';
  constructor() {
    super(
      'moto_server was not found on PATH. The sandbox and the integration tests need the AWS API emulator: install it with pip install "moto[server]" (README, "Two commands, and the sandbox"), or set AWS_ENDPOINT_URL to an emulator that is already running.',
    );
  }
}

export interface RunningEmulator {
  endpoint: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port was assigned');
  return address.port;
}

/**
 * Starts moto_server on 127.0.0.1 (a free port unless one is given) and waits until it
 * answers. `stop()` ends it by its pid.
 */
export async function startMoto(options: { port?: number } = {}): Promise<RunningEmulator> {
  if (options.port !== undefined) return startMotoOn(options.port);
  // A port found free can be taken by another process before moto binds it: try again.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startMotoOn(await freePort());
    } catch (error) {
      if (attempt >= 3 || error instanceof EmulatorMissingError) throw error;
    }
  }
}

/**
 * moto_server through sandbox/emulator/moto_server.py, which fixes moto's per-item table copies in
 * TransactWriteItems; where python3 cannot import moto (moto_server installed in another
 * environment), moto_server itself.
 */
const LAUNCHER = fileURLToPath(new URL('./moto_server.py', import.meta.url));
let launchWithPython = true;

async function startMotoOn(port: number): Promise<RunningEmulator> {
  try {
    return await startMotoWith(port, launchWithPython);
  } catch (error) {
    if (!(error instanceof LauncherUnavailableError)) throw error;
    launchWithPython = false;
    return startMotoWith(port, false);
  }
}

/** python3 is missing, or cannot import moto. */
class LauncherUnavailableError extends Error {}

async function startMotoWith(port: number, python: boolean): Promise<RunningEmulator> {
  const endpoint = `http://127.0.0.1:${port}`;
  // moto's request recorder writes to a file: keep it out of the working tree.
  const scratch = await mkdtemp(join(tmpdir(), 'moto-'));
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const child: ChildProcess = spawn(
    python ? 'python3' : 'moto_server',
    python ? [LAUNCHER, ...args] : args,
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      cwd: scratch,
      env: {
        ...process.env,
        MOTO_RECORDER_FILEPATH: join(scratch, 'recording.jsonl'),
        // TOTP codes are checked (against moto's fixed authenticator key), as Cognito does.
        MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP: 'true',
      },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<Error>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code !== 'ENOENT'
          ? error
          : python
            ? new LauncherUnavailableError()
            : new EmulatorMissingError(),
      ),
    );
    // 'close': after the process ended and its stderr was read to the end.
    child.once('close', (code) =>
      resolve(
        python && /No module named 'moto/.test(stderr)
          ? new LauncherUnavailableError()
          : new Error(`moto_server exited with code ${code} before it was ready:\n${stderr}`),
      ),
    );
  });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exit = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(timer);
    await rm(scratch, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const failure = await Promise.race([exited, delay(200).then(() => undefined)]);
    if (failure) throw failure;
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      await response.arrayBuffer();
      return { endpoint, pid: child.pid, stop };
    } catch {
      // not listening yet
    }
  }
  await stop();
  throw new Error(`moto_server did not answer on ${endpoint} within 30 s`);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
