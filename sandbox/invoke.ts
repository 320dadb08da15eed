/**
 * `npm run invoke -- <function> [event file]`: one invocation of a function's bundled
 * asset with an events/ sample. Against the running sandbox when there is one (its
 * emulator and resources); otherwise against a fresh emulator provisioned for this call.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorCredentials, type LocalFunction } from './emulator/provision.ts';
import { isNamed, LambdaHost } from './lambda/lambda-host.ts';
import { startLocalApp } from './local-app.ts';
import { formatFunctionLog } from './log-format.ts';
import type { SandboxState } from './sandbox.ts';
import { synthesizeIfChanged } from './synthesize.ts';

const [name, eventFile] = process.argv.slice(2);
const directory = process.env.SANDBOX_DIR ?? '.sandbox';
const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;

const matches = (fn: LocalFunction) => isNamed(fn, name ?? '');

function readEvent(): unknown {
  if (!eventFile) return {};
  const path = existsSync(eventFile) ? eventFile : join('events', eventFile);
  if (!existsSync(path)) {
    const samples = readdirSync('events').join(', ');
    throw new Error(`no event file ${eventFile}; samples in events/: ${samples}`);
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

async function main() {
  if (!name) {
    throw new Error(
      'usage: npm run invoke -- <function> [event file], e.g. complaint-intake complaint-webhook.apigw.json',
    );
  }
  const event = readEvent();
  const stateFile = join(directory, 'state.json');
  const print = (fn: string, line: string) => console.log(formatFunctionLog(fn, line, colour));

  let host: LambdaHost;
  let stop: () => Promise<void>;
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as SandboxState;
    const fn = state.functions.find(matches);
    if (!fn)
      throw new Error(
        `no function ${name}; the sandbox has ${state.functions.map((f) => f.environment.POWERTOOLS_SERVICE_NAME ?? f.logicalId).join(', ')}`,
      );
    console.log(`Invoking ${name} against the running sandbox (${state.endpoint}).`);
    host = new LambdaHost({
      fn,
      endpoint: state.endpoint,
      region: state.region,
      credentials: emulatorCredentials,
      onLog: print,
    });
    stop = () => host.stop();
  } else {
    const assemblyDirectory = join(directory, 'cdk.out');
    synthesizeIfChanged(assemblyDirectory);
    const app = await startLocalApp({ assemblyDirectory, onLog: print });
    const fn = app.provisioned.functions.find(matches);
    if (!fn) {
      await app.stop();
      throw new Error(
        `no function ${name}; the template has ${app.provisioned.functions.map((f) => f.environment.POWERTOOLS_SERVICE_NAME ?? f.logicalId).join(', ')}`,
      );
    }
    console.log(`Invoking ${name} against a fresh emulator (no sandbox is running).`);
    host = app.host(fn.logicalId);
    stop = () => app.stop();
  }
  const result = await host.invoke(event);
  await stop();
  console.log(JSON.stringify(result.ok ? result.result : result.error, null, 2));
  process.exitCode = result.ok ? 0 : 1;
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 2;
});
