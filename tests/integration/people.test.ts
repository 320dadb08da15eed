import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { startTestSandbox } from '../support/sandbox.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.stop();
});

const counts = JSON.stringify({
  counts: [{ region: 'GD-SZ', service: 'fixed_broadband', subscribers: 250_000 }],
});

const upload = (authorization?: string) =>
  fetch(`${sandbox.outputs.apiUrl}/reference/subscribers/2027-04`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      ...(authorization ? { authorization } : {}),
    },
    body: counts,
  });

describe("people's routes in the sandbox", () => {
  it('seeds one signed-in user per group and lists them in outputs.json', () => {
    expect(Object.keys(sandbox.outputs.users).sort()).toEqual([
      'admins',
      'assessors',
      'regulators',
    ]);
    for (const [group, user] of Object.entries(sandbox.outputs.users)) {
      expect(user.username).toBe(`${group}@sandbox.local`);
      const claims = JSON.parse(
        Buffer.from(user.idToken.split('.')[1] ?? '', 'base64url').toString(),
      );
      expect(claims['cognito:groups']).toEqual([group]);
      expect(claims.exp - Date.now() / 1000).toBeGreaterThan(55 * 60);
    }
  });

  it('lets an admin upload subscriber counts with a bearer token', async () => {
    const response = await upload(`Bearer ${sandbox.outputs.users.admins?.idToken}`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ period: '2027-04', rows: 1 });
  });

  it('answers 403 to a regulator, and 401 without a token or with a forged one', async () => {
    const regulator = await upload(`Bearer ${sandbox.outputs.users.regulators?.idToken}`);
    const none = await upload();
    const admin = sandbox.outputs.users.admins?.idToken ?? '';
    const [header, payload] = admin.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    // The admin's token with another subject, under the admin token's signature.
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString(
      'base64url',
    );
    const forged = await upload(`Bearer ${header}.${forgedPayload}.${admin.split('.')[2]}`);

    expect(regulator.status).toBe(403);
    expect(regulator.headers.get('content-type')).toBe('application/problem+json');
    expect(none.status).toBe(401);
    expect(forged.status).toBe(401);
  });
});
