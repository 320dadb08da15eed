/*
 * One Lambda execution environment: a worker thread whose process.env is exactly the
 * function's environment. It imports the bundled handler once (the cold start) and then
 * runs one invocation at a time, as Lambda does. Plain Node (type stripping), no imports
 * from the project, so that it runs the asset as-is.
 */

import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';

interface WorkerInput {
  modulePath: string;
  exportName: string;
  functionName: string;
  functionArn: string;
  memorySize: number;
  timeoutSeconds: number;
}

interface InvokeMessage {
  type: 'invoke';
  id: number;
  event: unknown;
  requestId: string;
  deadline: number;
}

const input = workerData as WorkerInput;
const port = parentPort;
if (!port) throw new Error('lambda-worker must run in a worker thread');

const serializeError = (error: unknown) =>
  error instanceof Error
    ? {
        errorType: error.name,
        errorMessage: error.message,
        stackTrace: error.stack?.split('\n') ?? [],
      }
    : { errorType: 'Error', errorMessage: String(error), stackTrace: [] };

let handler: ((event: unknown, context: unknown) => Promise<unknown>) | undefined;
try {
  const module = (await import(pathToFileURL(input.modulePath).href)) as Record<string, unknown>;
  const candidate = module[input.exportName];
  if (typeof candidate !== 'function') {
    throw new Error(`${input.modulePath} does not export a function named ${input.exportName}`);
  }
  handler = candidate as typeof handler;
  port.postMessage({ type: 'ready' });
} catch (error) {
  port.postMessage({ type: 'init-error', error: serializeError(error) });
}

port.on('message', async (message: InvokeMessage) => {
  if (message.type !== 'invoke' || !handler) return;
  const context = {
    functionName: input.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: input.functionArn,
    memoryLimitInMB: String(input.memorySize),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${input.functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  // The environment's memory during the invocation: this isolate's heap plus the memory
  // outside it that it holds, buffers included (process-wide RSS would count the whole
  // sandbox), sampled every 5 ms. V8's own statistics: no RSS read, a fraction of the cost
  // of process.memoryUsage(), whose arrayBuffers are already inside its external.
  const inUse = () => {
    const heap = getHeapStatistics();
    return heap.used_heap_size + heap.external_memory;
  };
  let peakBytes = inUse();
  const sampler = setInterval(() => {
    peakBytes = Math.max(peakBytes, inUse());
  }, 5);
  const settle = () => {
    clearInterval(sampler);
    return Math.max(peakBytes, inUse());
  };
  try {
    const result = await handler(message.event, context);
    port.postMessage({ type: 'result', id: message.id, result, peakBytes: settle() });
  } catch (error) {
    port.postMessage({
      type: 'error',
      id: message.id,
      error: serializeError(error),
      peakBytes: settle(),
    });
  }
});
