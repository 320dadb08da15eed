/**
 * The sandbox's people: one seeded user per group of the template's user pool, with an
 * ID token, and the JWT check that API Gateway's authorizer makes on people's routes.
 */
import { createPublicKey, type JsonWebKey, randomBytes, verify } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { EmulatorTarget, LocalRoute, ProvisionedApp } from './provision.ts';
import { emulatorCredentials } from './provision.ts';

export type SeededUsers = Record<string, { username: string; password: string; idToken: string }>;

/** A password the pool's policy accepts: long, with every character class. */
const newPassword = () => `Sbx-${randomBytes(12).toString('base64url')}-9a!`;

/**
 * Creates `{group}@sandbox.local` in each group of the first user pool and signs it in
 * (the emulator issues RS256 ID tokens valid for an hour and serves their JWKS). The
 * emulator does not run the MFA step that the deployed pool requires.
 */
export async function seedPeople(app: ProvisionedApp): Promise<SeededUsers> {
  const pool = app.userPools[0];
  const clientId = pool?.clientIds[0];
  if (!pool || !clientId) return {};
  const cognito = new CognitoIdentityProviderClient({
    endpoint: app.target.endpoint,
    region: app.target.region,
    credentials: emulatorCredentials,
  });
  const users: SeededUsers = {};
  try {
    for (const group of pool.groups) {
      const username = `${group}@sandbox.local`;
      const password = newPassword();
      await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: pool.poolId,
          Username: username,
          MessageAction: 'SUPPRESS',
          UserAttributes: [{ Name: 'email', Value: username }],
        }),
      );
      await cognito.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: pool.poolId,
          Username: username,
          Password: password,
          Permanent: true,
        }),
      );
      await cognito.send(
        new AdminAddUserToGroupCommand({
          UserPoolId: pool.poolId,
          Username: username,
          GroupName: group,
        }),
      );
      const { AuthenticationResult } = await cognito.send(
        new AdminInitiateAuthCommand({
          UserPoolId: pool.poolId,
          ClientId: clientId,
          AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      );
      users[group] = { username, password, idToken: AuthenticationResult?.IdToken ?? '' };
    }
  } finally {
    cognito.destroy();
  }
  return users;
}

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

/**
 * API Gateway's JWT authorizer, as the sandbox runs it: the bearer token's RS256 signature
 * against the issuer's JWKS (fetched from the emulator), the issuer, the audience (`aud`,
 * or `client_id` for access tokens) and the expiry. Array claims reach the function as
 * API Gateway passes them: `[a b]`.
 */
export function jwtAuthorizer(target: EmulatorTarget) {
  const keySets = new Map<string, Promise<JsonWebKey[]>>();
  const keysOf = (issuer: string) => {
    const poolId = issuer.split('/').at(-1) ?? '';
    let keys = keySets.get(poolId);
    if (!keys) {
      keys = fetch(`${target.endpoint}/${poolId}/.well-known/jwks.json`)
        .then((response) => response.json() as Promise<{ keys: JsonWebKey[] }>)
        .then((set) => set.keys);
      keySets.set(poolId, keys);
    }
    return keys;
  };

  return async (
    route: LocalRoute,
    authorization: string | undefined,
  ): Promise<Record<string, unknown> | undefined> => {
    const token = authorization?.replace(/^Bearer\s+/i, '').trim() ?? '';
    const [header, payload, signature] = token.split('.');
    if (!route.jwt || !header || !payload || !signature) return undefined;
    try {
      const { kid, alg } = decode(header) as { kid?: string; alg?: string };
      const claims = decode(payload) as Record<string, unknown>;
      if (alg !== 'RS256' || claims.iss !== route.jwt.issuer) return undefined;
      const key = (await keysOf(route.jwt.issuer)).find((candidate) => candidate.kid === kid);
      if (!key) return undefined;
      const signed = verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${payload}`),
        createPublicKey({ key, format: 'jwk' }),
        Buffer.from(signature, 'base64url'),
      );
      const audience = String(claims.aud ?? claims.client_id ?? '');
      const now = Math.floor(Date.now() / 1000);
      if (!signed || !route.jwt.audience.includes(audience) || Number(claims.exp) <= now) {
        return undefined;
      }
      return Object.fromEntries(
        Object.entries(claims).map(([name, value]) => [
          name,
          Array.isArray(value) ? `[${value.join(' ')}]` : value,
        ]),
      );
    } catch {
      return undefined;
    }
  };
}
