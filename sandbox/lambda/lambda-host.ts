import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { LocalFunction } from '../emulator/provision.ts';
import { SecretsExtension } from './secrets-extension.ts';

/** What a function threw, as Lambda reports it. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  stackTrace: string[];
}

export type InvocationResult = { ok: true; result: unknown } | { ok: false; error: FunctionError };

export interface LambdaHostOptions {
  fn: LocalFunction;
  /** The emulator every AWS SDK call of the function goes to. */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Execution environments that may run at once (Lambda's concurrency). */
  concurrency?: number;
  /** Receives each line the function writes (its structured logs), with a display name. */
  onLog?: (displayName: string, line: string) => void;
  /** Told about every failed invocation: init errors, exceptions, timeouts. */
  onError?: (displayName: string, error: FunctionError) => void;
}

interface Environment {
  worker: Worker;
  ready: Promise<FunctionError | undefined>;
  busy: boolean;
}

/**
 * A crash a test asks for: the execution environment running an invocation dies (its
 * worker is terminated, as a runtime killed for memory or by a fatal error would be) as
 * soon as the function's `nth` AWS call matching `operation` since the fault was set has
 * landed in the emulator, before the function gets its answer. It fires once.
 */
export interface CrashFault {
  /** The calls that count (`/TransactWriteItems$/`, `/Publish$/`); every call when absent. */
  operation?: RegExp;
  nth: number;
}

/** What a crash fault did: the calls the function had made since it was set, in order. */
export interface InjectedCrash {
  callsLanded: string[];
  /** Environments terminated (those with an invocation in flight). */
  environments: number;
}

const workerUrl = new URL('./lambda-worker.ts', import.meta.url);

/** How people know a function: its Powertools service name, else its logical id. */
export function displayNameOf(fn: LocalFunction): string {
  return fn.environment.POWERTOOLS_SERVICE_NAME ?? fn.logicalId;
}

/**
 * Whether a name denotes a function: its Powertools service name (`sms-inbound`), the same
 * in PascalCase as the stack names its construct (`SmsInbound`, not `SmsInboundSns`), or
 * its whole logical id. Logical ids carry the feature construct's name, so no prefix.
 */
export function isNamed(fn: LocalFunction, name: string): boolean {
  const service = fn.environment.POWERTOOLS_SERVICE_NAME;
  const kebab = name.replace(/(?<=[a-z0-9])(?=[A-Z])/g, '-').toLowerCase();
  return service === name || service === kebab || fn.logicalId === name;
}

/**
 * Runs one function's bundled asset as Lambda would: isolated execution environments
 * (worker threads) whose environment is exactly the template's plus what Lambda itself
 * sets, one invocation at a time each, stopped and replaced when past the timeout.
 */
export class LambdaHost {
  readonly fn: LocalFunction;
  private readonly options: LambdaHostOptions;
  private readonly environments: Environment[] = [];
  private readonly waiting: (() => void)[] = [];
  private nextId = 1;
  private stopped = false;
  private extension: Promise<SecretsExtension> | undefined;
  /**
   * Invocations, billed milliseconds and log bytes so far (what Lambda and CloudWatch
   * bill), and the most memory one invocation's environment held (heap and buffers).
   * `platformLogBytes`: the start and report lines Lambda itself would write to the log
   * group; `tracedRoots`: invocations that would start an X-Ray trace of their own (active
   * tracing, called by a service that passes no trace on).
   */
  readonly usage = {
    invocations: 0,
    /** Queue messages and stream records delivered (an event's `Records`). */
    records: 0,
    billedMs: 0,
    logBytes: 0,
    peakBytes: 0,
    platformLogBytes: 0,
    tracedRoots: 0,
  };
  /**
   * Lambda gives every environment a session token; the secrets extension checks it, and
   * the emulator proxy tells by it which function made a call.
   */
  readonly sessionToken = randomUUID();
  /** For crash tests: the crash to inject (cleared once it fires). */
  private crashFault: CrashFault | undefined;
  /** The crashes injected so far, oldest first. */
  readonly crashesInjected: InjectedCrash[] = [];
  private callsSinceFault: string[] = [];

  constructor(options: LambdaHostOptions) {
    this.options = options;
    this.fn = options.fn;
  }

  /**
   * Invokes the function with an event; a timeout or a crash is a function error.
   * `traceRoot`: the caller passes no X-Ray trace on (API Gateway's HTTP APIs and stream
   * pollers; a queue's messages carry their sender's trace).
   */
  async invoke(event: unknown, options: { traceRoot?: boolean } = {}): Promise<InvocationResult> {
    const started = performance.now();
    const result = await this.invokeOnce(event);
    const durationMs = performance.now() - started;
    this.usage.invocations += 1;
    const records = (event as { Records?: unknown } | null)?.Records;
    if (Array.isArray(records)) this.usage.records += records.length;
    this.usage.billedMs += Math.ceil(durationMs);
    if (this.fn.platformLogs) {
      this.usage.platformLogBytes += platformLogLines(this.fn, {
        requestId: randomUUID(),
        durationMs,
        maxMemoryUsedMB: Math.ceil(this.usage.peakBytes / 2 ** 20),
      }).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
    }
    if (options.traceRoot && this.fn.tracing === 'Active') this.usage.tracedRoots += 1;
    if (!result.ok) this.options.onError?.(displayNameOf(this.fn), result.error);
    return result;
  }

  private async invokeOnce(event: unknown): Promise<InvocationResult> {
    const environment = await this.acquire();
    try {
      const initError = await environment.ready;
      if (initError) {
        void this.discard(environment);
        return { ok: false, error: initError };
      }
      return await this.run(environment, event);
    } finally {
      environment.busy = false;
      this.waiting.shift()?.();
    }
  }

  /**
   * Told of each AWS call of this function that landed, before the function has its
   * answer; when the crash fault is due, answers a promise that settles once every
   * environment with an invocation in flight has been terminated.
   */
  awsCallLanded(operation: string): Promise<void> | undefined {
    const fault = this.crashFault;
    if (!fault) return undefined;
    this.callsSinceFault.push(operation);
    const matching = fault.operation
      ? this.callsSinceFault.filter((call) => fault.operation?.test(call)).length
      : this.callsSinceFault.length;
    if (matching < fault.nth || (fault.operation && !fault.operation.test(operation))) {
      return undefined;
    }
    this.crashFault = undefined;
    const inFlight = this.environments.filter((environment) => environment.busy);
    this.crashesInjected.push({
      callsLanded: this.callsSinceFault,
      environments: inFlight.length,
    });
    this.callsSinceFault = [];
    return Promise.all(inFlight.map((environment) => this.discard(environment))).then(
      () => undefined,
    );
  }

  /** Sets (or clears) the crash fault; calls are counted from now. */
  setCrashFault(fault: CrashFault | undefined): void {
    this.crashFault = fault;
    this.callsSinceFault = [];
  }

  /** Stops every execution environment. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = this.environments.splice(0);
    await Promise.all(all.map((environment) => environment.worker.terminate()));
    await (await this.extension)?.stop();
  }

  /**
   * The Parameters and Secrets extension, when the template gives the function its layer
   * (recognised by the layer's own variables): started on a free port, which replaces the
   * layer's configured one so that sandboxes side by side do not collide.
   */
  private async extensionEnvironment(): Promise<Record<string, string>> {
    const { fn } = this;
    if (fn.environment.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT === undefined) return {};
    this.extension ??= SecretsExtension.start({
      endpoint: this.options.endpoint,
      region: this.options.region,
      credentials: this.options.credentials,
      sessionToken: this.sessionToken,
      ttlSeconds: Number(fn.environment.SECRETS_MANAGER_TTL ?? 300),
    });
    const extension = await this.extension;
    return { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port) };
  }

  private async acquire(): Promise<Environment> {
    for (;;) {
      if (this.stopped) throw new Error(`${this.fn.functionName} has been stopped`);
      const idle = this.environments.find((environment) => !environment.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.environments.length < (this.options.concurrency ?? 1)) {
        const created = this.create(await this.extensionEnvironment());
        created.busy = true;
        this.environments.push(created);
        return created;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private create(extensionEnvironment: Record<string, string>): Environment {
    const { fn, endpoint, region, credentials } = this.options;
    const [file = 'index', exportName = 'handler'] = fn.handler.split('.');
    const modulePath = ['.mjs', '.js', '.cjs']
      .map((extension) => join(fn.assetDirectory, `${file}${extension}`))
      .find((candidate) => existsSync(candidate));
    const worker = new Worker(workerUrl, {
      // Plain node, as Lambda runs it: not the loader hooks (tsx) the sandbox itself runs under,
      // which would cost every cold start a compiler (250 ms of CPU instead of 85).
      execArgv: [],
      workerData: {
        modulePath: modulePath ?? join(fn.assetDirectory, `${file}.mjs`),
        exportName,
        functionName: fn.functionName,
        functionArn: fn.functionArn,
        memorySize: fn.memorySize,
        timeoutSeconds: fn.timeoutSeconds,
      },
      env: {
        ...fn.environment,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SESSION_TOKEN: this.sessionToken,
        AWS_ENDPOINT_URL: endpoint,
        AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        LAMBDA_TASK_ROOT: fn.assetDirectory,
        _HANDLER: fn.handler,
        ...extensionEnvironment,
      },
      stdout: true,
      stderr: true,
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      const lines = createInterface({ input: stream });
      lines.on('line', (line) => {
        this.usage.logBytes += Buffer.byteLength(line) + 1;
        this.options.onLog?.(displayNameOf(fn), line);
      });
    }
    const ready = new Promise<FunctionError | undefined>((resolve) => {
      const onMessage = (message: { type: string; error?: FunctionError }) => {
        if (message.type === 'ready') resolve(undefined);
        if (message.type === 'init-error') resolve(message.error);
        if (message.type === 'ready' || message.type === 'init-error') {
          worker.off('message', onMessage);
        }
      };
      worker.on('message', onMessage);
      worker.once('error', (error) =>
        resolve({ errorType: 'Runtime.InitError', errorMessage: error.message, stackTrace: [] }),
      );
    });
    return { worker, ready, busy: false };
  }

  private run(environment: Environment, event: unknown): Promise<InvocationResult> {
    const { worker } = environment;
    const id = this.nextId++;
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    const requestId = randomUUID();
    return new Promise<InvocationResult>((resolve) => {
      const finish = (result: InvocationResult) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(result);
      };
      const onMessage = (message: {
        type: string;
        id?: number;
        result?: unknown;
        error?: FunctionError;
        peakBytes?: number;
      }) => {
        if (message.id !== id) return;
        if (message.peakBytes !== undefined) {
          this.usage.peakBytes = Math.max(this.usage.peakBytes, message.peakBytes);
        }
        if (message.type === 'result') finish({ ok: true, result: message.result });
        if (message.type === 'error' && message.error) finish({ ok: false, error: message.error });
      };
      const onError = (error: Error) => {
        void this.discard(environment);
        finish({
          ok: false,
          error: { errorType: 'Runtime.ExitError', errorMessage: error.message, stackTrace: [] },
        });
      };
      // Terminated mid-invocation (a crash fault): the runtime died, as Lambda reports it.
      const onExit = () => {
        void this.discard(environment);
        finish({
          ok: false,
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
            stackTrace: [],
          },
        });
      };
      // Past its timeout the environment is stopped, as Lambda stops it.
      const timer = setTimeout(() => {
        void this.discard(environment);
        finish({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
            stackTrace: [],
          },
        });
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({
        type: 'invoke',
        id,
        event,
        requestId,
        deadline: Date.now() + timeoutMs,
      });
    });
  }

  private async discard(environment: Environment): Promise<void> {
    const index = this.environments.indexOf(environment);
    if (index >= 0) this.environments.splice(index, 1);
    await environment.worker.terminate();
  }
}

/**
 * The lines Lambda writes to a function's log group around each invocation in JSON log
 * format at system log level INFO: platform.start and platform.report (with the trace
 * header under active tracing). The sandbox does not print them; the cost bench counts them.
 */
export function platformLogLines(
  fn: LocalFunction,
  invocation: { requestId: string; durationMs: number; maxMemoryUsedMB: number },
) {
  const { requestId, durationMs, maxMemoryUsedMB } = invocation;
  const time = new Date().toISOString();
  const tracing =
    fn.tracing === 'Active'
      ? {
          tracing: {
            spanId: randomBytes(8).toString('hex'),
            type: 'X-Amzn-Trace-Id',
            value: `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=1`,
          },
        }
      : {};
  return [
    JSON.stringify({
      time,
      type: 'platform.start',
      record: { requestId, version: '$LATEST', ...tracing },
    }),
    JSON.stringify({
      time,
      type: 'platform.report',
      record: {
        requestId,
        metrics: {
          durationMs: Math.round(durationMs * 1000) / 1000,
          billedDurationMs: Math.ceil(durationMs),
          memorySizeMB: fn.memorySize,
          maxMemoryUsedMB,
        },
        ...tracing,
        status: 'success',
      },
    }),
  ];
}
