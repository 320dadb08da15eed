import { randomBytes } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type FunctionError, LambdaHost } from './lambda-host.ts';
import { type RunningEmulator, startMoto } from './moto.ts';
import {
  emulatorCredentials,
  type LocalFunction,
  type ProvisionedApp,
  provisionCloudAssembly,
} from './provision.ts';
import { SqsEventSource } from './sqs-event-source.ts';

export interface LocalAppOptions {
  assemblyDirectory: string;
  /** An emulator that is already running; otherwise moto_server is started. */
  endpoint?: string;
  region?: string;
  /** Where the HTTP API will be served (the API's endpoint in function environments). */
  httpApiUrl?: string;
  /** Prefix of every emulator resource name; random unless given. */
  namePrefix?: string;
  concurrency?: number;
  failedMessageVisibilitySeconds?: number;
  onLog?: (functionName: string, line: string) => void;
  onError?: (functionName: string, error: FunctionError) => void;
}

/** The synthesized app, provisioned in an emulator, its functions ready to invoke. */
export interface LocalApp {
  endpoint: string;
  region: string;
  emulator: RunningEmulator | undefined;
  provisioned: ProvisionedApp;
  hosts: LambdaHost[];
  eventSources: SqsEventSource[];
  sqs: SQSClient;
  /** The host of the function whose logical id starts with `name` (`ComplaintIntake`). */
  host(name: string): LambdaHost;
  /** The queue mapping that feeds a function. */
  eventSourceOf(name: string): SqsEventSource;
  /** Complaint source name → its seeded signing secret. */
  complaintSourceSecrets(): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts (or reuses) the emulator, provisions the cloud assembly in it and prepares a
 * worker host per function and a poller per SQS event source mapping (not yet started).
 */
export async function startLocalApp(options: LocalAppOptions): Promise<LocalApp> {
  const region = options.region ?? 'us-east-1';
  const emulator = options.endpoint ? undefined : await startMoto();
  const endpoint = options.endpoint ?? emulator?.endpoint ?? '';
  try {
    const provisioned = await provisionCloudAssembly({
      assemblyDirectory: options.assemblyDirectory,
      target: { endpoint, region },
      namePrefix: options.namePrefix ?? `tsq${randomBytes(3).toString('hex')}`,
      ...(options.httpApiUrl ? { httpApiUrl: options.httpApiUrl } : {}),
    });
    const sqs = new SQSClient({ endpoint, region, credentials: emulatorCredentials });
    const hosts = provisioned.functions.map(
      (fn) =>
        new LambdaHost({
          fn,
          endpoint,
          region,
          credentials: emulatorCredentials,
          concurrency: options.concurrency ?? 1,
          ...(options.onLog ? { onLog: options.onLog } : {}),
          ...(options.onError ? { onError: options.onError } : {}),
        }),
    );
    const hostOf = (fn: LocalFunction) => {
      const found = hosts.find((host) => host.fn === fn);
      if (!found) throw new Error(`no host for ${fn.functionName}`);
      return found;
    };
    const eventSources = provisioned.queueMappings.map(
      (mapping) =>
        new SqsEventSource({
          mapping,
          host: hostOf(
            provisioned.functions.find((fn) => fn.functionArn === mapping.functionArn) ??
              (() => {
                throw new Error(`no function ${mapping.functionArn}`);
              })(),
          ),
          sqs,
          region,
          ...(options.failedMessageVisibilitySeconds !== undefined
            ? { failedMessageVisibilitySeconds: options.failedMessageVisibilitySeconds }
            : {}),
        }),
    );
    const host = (name: string) => {
      const found = hosts.find((candidate) => candidate.fn.logicalId.startsWith(name));
      if (!found) throw new Error(`the template has no function ${name}`);
      return found;
    };
    return {
      endpoint,
      region,
      emulator,
      provisioned,
      hosts,
      eventSources,
      sqs,
      host,
      eventSourceOf(name) {
        const target = host(name).fn.functionArn;
        const index = provisioned.queueMappings.findIndex((m) => m.functionArn === target);
        const source = eventSources[index];
        if (!source) throw new Error(`no queue feeds ${name}`);
        return source;
      },
      complaintSourceSecrets() {
        const intake = host('ComplaintIntake').fn;
        const arns = JSON.parse(intake.environment.COMPLAINT_SOURCE_SECRETS ?? '{}') as Record<
          string,
          string
        >;
        return Object.fromEntries(
          Object.entries(arns).map(([source, arn]) => {
            const value = JSON.parse(provisioned.secretValues.get(arn) ?? '{}') as {
              current?: string;
            };
            return [source, value.current ?? ''];
          }),
        );
      },
      async stop() {
        await Promise.all(eventSources.map((source) => source.stop()));
        await Promise.all(hosts.map((candidate) => candidate.stop()));
        sqs.destroy();
        await emulator?.stop();
      },
    };
  } catch (error) {
    await emulator?.stop();
    throw error;
  }
}
