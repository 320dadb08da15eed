/** A running poll loop; `stop()` waits for the poll in flight to end. */
export interface PollingLoop {
  stop(): Promise<void>;
}

/**
 * Polls until stopped, as an event source mapping does: again at once after a poll that
 * found work, after `idleMs` when it found none, and half a second after a failure,
 * which is reported and never ends the loop.
 */
export function pollContinuously(options: {
  poll: () => Promise<number>;
  idleMs: number;
  onError: (message: string) => void;
}): PollingLoop {
  let running = true;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const loop = (async () => {
    while (running) {
      try {
        const handled = await options.poll();
        if (handled === 0 && options.idleMs > 0) await pause(options.idleMs);
      } catch (error) {
        if (!running) break;
        options.onError((error as Error).message);
        await pause(500);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
    },
  };
}
