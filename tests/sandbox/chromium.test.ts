/*
 * Chromium inflated side by side: the sandbox's PDF hosts and the test files' processes
 * share one temp directory, where @sparticuz/chromium writes its binary in place. A CI run
 * on a fresh machine lost a report build to a second process running the half-written
 * binary ("Failed to launch the browser process").
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const scratch = mkdtempSync(join(tmpdir(), 'chromium-inflation-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A process that inflates Chromium as the sandbox does, then launches it and asks its version. */
function inflateAndLaunch(): Promise<{ code: number | null; output: string }> {
  const script = `
const { inflateChromium } = await import(${JSON.stringify(new URL('../../sandbox/lambda/chromium.ts', import.meta.url).href)});
const { default: chromium } = await import('@sparticuz/chromium');
const { default: puppeteer } = await import('puppeteer-core');
const browser = await puppeteer.launch({ executablePath: await inflateChromium(), args: chromium.args, headless: 'shell' });
process.stdout.write(await browser.version());
await browser.close();`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TMPDIR: scratch },
      cwd: process.cwd(),
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('Chromium inflated by several processes at once', () => {
  it('launches in every one of them: one inflates, the others wait for the whole binary', async () => {
    const runs = await Promise.all([inflateAndLaunch(), inflateAndLaunch(), inflateAndLaunch()]);
    for (const run of runs) {
      expect(run.output).toMatch(/^HeadlessChrome\/\d+/);
      expect(run.code).toBe(0);
    }
  });
});
