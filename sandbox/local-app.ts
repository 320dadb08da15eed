import { randomBytes } from 'node:crypto';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EmulatorProxy } from './emulator/emulator-proxy.ts';
import { type RunningEmulator, startMoto } from './emulator/moto.ts';
import {
  emulatorCredentials,
  type LocalFunction,
  type ProvisionedApp,
  provisionCloudAssembly,
} from './emulator/provision.ts';
import { inflateChromium } from './lambda/chromium.ts';
import { displayNameOf, type FunctionError, isNamed, LambdaHost } from './lambda/lambda-host.ts';
import { DynamoDbStreamEventSource } from './triggers/dynamodb-stream-event-source.ts';
import { SqsEventSource } from './triggers/sqs-event-source.ts';

/** An event source mapping of either kind, as the sandbox runs it. */
export interface LocalEventSource {
  start(): void;
  stop(): Promise<void>;
  /** One poll: answers how many records it handled. */
  pollOnce(waitSeconds?: number): Promise<number>;
}

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
  /** Told when polling an event source fails (the emulator refused, a filter is unsupported…). */
  onEventSourceError?: (functionName: string, message: string) => void;
}

/** The synthesized app, provisioned in an emulator, its functions ready to invoke. */
export interface LocalApp {
  endpoint: string;
  region: string;
  emulator: RunningEmulator | undefined;
  /** The proxy every call goes through, which counts them by operation. */
  proxy: EmulatorProxy;
  /** The emulator itself, for tools whose reads must not be counted. */
  directEndpoint: string;
  provisioned: ProvisionedApp;
  hosts: LambdaHost[];
  eventSources: LocalEventSource[];
  sqs: SQSClient;
  /** The host of the function `name` denotes (`ComplaintIntake` or `complaint-intake`). */
  host(name: string): LambdaHost;
  /** The event source mappings that feed a function, queues first. */
  eventSourcesOf(name: string): LocalEventSource[];
  /** The one queue mapping that feeds a function. */
  eventSourceOf(name: string): LocalEventSource;
  /** Polls every mapping of a function until none has anything left. */
  drain(name: string): Promise<void>;
  /** Complaint source name → its seeded signing secret. */
  complaintSourceSecrets(): Record<string, string>;
  /** Invitation source name → its seeded signing secret. */
  invitationSourceSecrets(): Record<string, string>;
  /** The seeded SMS gateway auth token that signs inbound SMS, if the app has one. */
  smsAuthToken(): string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts (or reuses) the emulator, provisions the cloud assembly in it and prepares a
 * worker host per function and a poller per SQS event source mapping (not yet started).
 */
export async function startLocalApp(options: LocalAppOptions): Promise<LocalApp> {
  const region = options.region ?? 'us-east-1';
  // Before any host: the PDF function's hosts would otherwise inflate it side by side.
  await inflateChromium();
  const emulator = options.endpoint ? undefined : await startMoto();
  // Functions, pollers and tools all reach the emulator through the serialising proxy.
  const proxy = await EmulatorProxy.start(options.endpoint ?? emulator?.endpoint ?? '');
  const endpoint = proxy.endpoint;
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
    // A crash fault of a function's host fires on the calls made with its session token.
    proxy.interceptAnswer = (call) =>
      hosts
        .find((candidate) => candidate.sessionToken === call.sessionToken)
        ?.awsCallLanded(call.operation);
    // Lambda's Invoke (the report builder's call to the PDF function) runs the function's
    // host, as Lambda would; moto would need Docker to run it.
    proxy.invokeFunction = async (name, payload) => {
      const target = hosts.find(
        (candidate) => candidate.fn.functionName === name || candidate.fn.functionArn === name,
      );
      return target ? target.invoke(payload) : undefined;
    };
    const hostOf = (fn: LocalFunction) => {
      const found = hosts.find((host) => host.fn === fn);
      if (!found) throw new Error(`no host for ${fn.functionName}`);
      return found;
    };
    const hostByArn = (functionArn: string) => {
      const fn = provisioned.functions.find((candidate) => candidate.functionArn === functionArn);
      if (!fn) throw new Error(`no function ${functionArn}`);
      return hostOf(fn);
    };
    const streams = new DynamoDBStreamsClient({
      endpoint,
      region,
      credentials: emulatorCredentials,
    });
    const sources: { functionArn: string; source: LocalEventSource }[] = [
      ...provisioned.queueMappings.map((mapping) => ({
        functionArn: mapping.functionArn,
        source: new SqsEventSource({
          mapping,
          host: hostByArn(mapping.functionArn),
          sqs,
          region,
          onBatch: ({ error, records }) => {
            if (error && records === 0) {
              options.onEventSourceError?.(displayNameOf(hostByArn(mapping.functionArn).fn), error);
            }
          },
          ...(options.failedMessageVisibilitySeconds !== undefined
            ? { failedMessageVisibilitySeconds: options.failedMessageVisibilitySeconds }
            : {}),
        }),
      })),
      ...provisioned.streamMappings.map((mapping) => ({
        functionArn: mapping.functionArn,
        source: new DynamoDbStreamEventSource({
          mapping,
          host: hostByArn(mapping.functionArn),
          streams,
          sqs,
          region,
          onBatch: ({ error }) => {
            if (error)
              options.onEventSourceError?.(displayNameOf(hostByArn(mapping.functionArn).fn), error);
          },
        }),
      })),
    ];
    const eventSources = sources.map((entry) => entry.source);
    const host = (name: string) => {
      const found = hosts.find((candidate) => isNamed(candidate.fn, name));
      if (!found) throw new Error(`the template has no function ${name}`);
      return found;
    };
    /** Source name → current secret, from the map a function's environment holds. */
    const sourceSecrets = (variable: string) => {
      const arns = JSON.parse(
        provisioned.functions.find((fn) => fn.environment[variable])?.environment[variable] ?? '{}',
      ) as Record<string, string>;
      return Object.fromEntries(
        Object.entries(arns).map(([source, arn]) => {
          const value = JSON.parse(provisioned.secretValues.get(arn) ?? '{}') as {
            current?: string;
          };
          return [source, value.current ?? ''];
        }),
      );
    };
    const eventSourcesOf = (name: string) => {
      const target = host(name).fn.functionArn;
      return sources.filter((entry) => entry.functionArn === target).map((entry) => entry.source);
    };
    return {
      endpoint,
      region,
      emulator,
      proxy,
      directEndpoint: options.endpoint ?? emulator?.endpoint ?? '',
      provisioned,
      hosts,
      eventSources,
      sqs,
      host,
      eventSourcesOf,
      eventSourceOf(name) {
        const target = host(name).fn.functionArn;
        const found = sources.find((entry) => entry.functionArn === target)?.source;
        if (!found) throw new Error(`no event source feeds ${name}`);
        return found;
      },
      async drain(name) {
        const feeding = eventSourcesOf(name);
        for (let round = 0; round < 100; round += 1) {
          let handled = 0;
          for (const source of feeding) handled += await source.pollOnce(0);
          if (handled === 0) return;
        }
        throw new Error(`${name} still had work after 100 rounds`);
      },
      complaintSourceSecrets: () => sourceSecrets('COMPLAINT_SOURCE_SECRETS'),
      invitationSourceSecrets: () => sourceSecrets('INVITATION_SOURCE_SECRETS'),
      smsAuthToken() {
        const arn = provisioned.functions.find((fn) => fn.environment.SMS_AUTH_TOKEN_SECRET_ARN)
          ?.environment.SMS_AUTH_TOKEN_SECRET_ARN;
        const value = arn ? provisioned.secretValues.get(arn) : undefined;
        return value ? (JSON.parse(value) as { authToken: string }).authToken : undefined;
      },
      async stop() {
        await Promise.all(eventSources.map((source) => source.stop()));
        await Promise.all(hosts.map((candidate) => candidate.stop()));
        sqs.destroy();
        streams.destroy();
        await proxy.stop();
        await emulator?.stop();
      },
    };
  } catch (error) {
    await proxy.stop();
    await emulator?.stop();
    throw error;
  }
}
