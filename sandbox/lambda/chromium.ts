import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import chromium from '@sparticuz/chromium';

/** How long an inflation may hold the lock before another process takes it as abandoned. */
const STALE_LOCK_MS = 120_000;

/**
 * Inflates @sparticuz/chromium into the temp directory once, before functions or browsers
 * use it. The package decides only by whether `chromium` exists in the temp directory, and
 * writes it in place: on Lambda each execution environment owns its /tmp, but here the
 * sandbox's worker threads and the test files' processes share one, and a second caller
 * that runs the half-written binary dies ("Failed to launch the browser process", no exit
 * code). So the first caller inflates under a lock directory (mkdir is atomic) and the
 * others wait for it; a lock older than two minutes is an inflation that died, and is
 * taken over (its binary removed first).
 */
export async function inflateChromium(): Promise<string> {
  const binary = join(tmpdir(), 'chromium');
  const lock = join(tmpdir(), 'chromium.inflating');
  for (;;) {
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() - lockTime(lock) > STALE_LOCK_MS) {
        // Its binary may be half-written.
        rmSync(binary, { force: true });
        rmSync(lock, { recursive: true, force: true });
      } else await sleep(200);
      continue;
    }
    try {
      return await chromium.executablePath();
    } catch (error) {
      // A partial binary would be taken as inflated by everyone after us.
      rmSync(binary, { force: true });
      throw error;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

function lockTime(lock: string): number {
  try {
    return statSync(lock).mtimeMs;
  } catch {
    return Date.now();
  }
}
