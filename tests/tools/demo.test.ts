import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);

describe('npm run demo', () => {
  it('lands web and SMS responses exactly, delivers follow-up cases, and ends with a report that verifies offline', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'demo-'));
    const env = {
      ...process.env,
      SANDBOX_DIR: directory,
      SANDBOX_ASSEMBLY: inject('assemblyDirectory'),
    };

    const demo = await run('node_modules/.bin/tsx', ['demo/demo.ts'], {
      env,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });

    expect(demo.stdout).toContain('Sent and landed agree.');
    // Cases at the local receiver, verified with the standardwebhooks package; contacts back.
    expect(demo.stdout).toMatch(
      /Follow-up cases: 12 surveys answered badly; the local receiver \(http:\/\/127\.0\.0\.1:\d+\/cases\) got 12 cases, every one verified with the standardwebhooks package:/,
    );
    expect(demo.stdout.match(/\n {2}case_[A-Za-z0-9_-]{22} /g)).toHaveLength(12);
    expect(demo.stdout).toContain('Posted contacted for 9 of them');
    // The month's report shows the share contacted within 48 hours: every case of the demo's
    // own sandbox is of this run, and only the nine contacted are within.
    const followUp = /survey\.detractor_followup_within_48h_pct\s+(\S+) % +n (\d+)/.exec(
      demo.stdout,
    );
    expect(followUp).not.toBeNull();
    const [, value = '', n = ''] = followUp ?? [];
    expect(Number(n)).toBeGreaterThanOrEqual(12);
    expect(Number(value)).toBeGreaterThan(0);
    expect(Number(value)).toBeLessThan(100);
    // It ends by saying where the portal is and whom to sign in as.
    expect(demo.stdout).toMatch(/\nPortal: http:\/\/127\.0\.0\.1:\d+\/portal /);
    expect(demo.stdout).toContain('Sign in as regulators@sandbox.local');
    expect(demo.stdout).toMatch(
      /Recomputed from the assessor extract alone: \d+ figures, every one equal/,
    );
    const report = /Downloaded to (\S+); the signature verifies/.exec(demo.stdout)?.[1] ?? '';
    expect(report).not.toBe('');
    // The commands the demo prints, run as a regulator would, offline.
    const verified = await run('node_modules/.bin/tsx', ['admin/admin.ts', 'verify', report], {
      encoding: 'utf8',
    });
    expect(verified.stdout).toContain('The report verifies.');
    const openssl = await run(
      'sh',
      [
        '-c',
        'base64 -d manifest.sig > manifest.der && openssl dgst -sha256 -verify signing-key.pem -signature manifest.der manifest.json',
      ],
      { cwd: report, encoding: 'utf8' },
    );
    expect(openssl.stdout.trim()).toBe('Verified OK');
  }, 600_000);
});
