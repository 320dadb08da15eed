/**
 * The sandbox's people: one seeded user per group of the template's user pool, with an
 * ID token, and the JWT check that API Gateway's authorizer makes on people's routes.
 */
import { createPublicKey, type JsonWebKey, randomBytes, verify } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CodeMismatchException,
  CognitoIdentityProviderClient,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { totp } from '../login/totp.ts';
import type { EmulatorTarget, LocalRoute, ProvisionedApp } from './provision.ts';
import { emulatorCredentials } from './provision.ts';

export type SeededUsers = Record<
  string,
  {
    username: string;
    password: string;
    idToken: string;
    /** The base32 key of the person's TOTP authenticator (sign-in asks for its code). */
    totpKey: string;
  }
>;

/** A password the pool's policy accepts: long, with every character class. */
const newPassword = () => `Sbx-${randomBytes(12).toString('base64url')}-9a!`;

/**
 * Creates a person in a group of the pool, without an invitation message, with a
 * permanent password (the emulator's pools; in AWS, `npm run admin -- add-user` lets
 * Cognito send the invitation instead).
 */
export async function addPerson(
  cognito: CognitoIdentityProviderClient,
  poolId: string,
  group: string,
  email: string,
  password: string = newPassword(),
): Promise<{ username: string; password: string }> {
  await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: email,
      MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );
  await cognito.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: poolId,
      Username: email,
      Password: password,
      Permanent: true,
    }),
  );
  await cognito.send(
    new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: group }),
  );
  return { username: email, password };
}

/**
 * Sends a request carrying the authenticator's current code, and once more with the code
 * of the moment when the 30-second step turned before the emulator checked it (it takes
 * the current step alone).
 */
async function withCurrentCode<T>(totpKey: string, send: (code: string) => Promise<T>) {
  try {
    return await send(totp(totpKey));
  } catch (error) {
    if (!(error instanceof CodeMismatchException)) throw error;
    return send(totp(totpKey));
  }
}

/**
 * Signs a person in with a password and answers their ID token (valid an hour); when the
 * pool asks for the TOTP code, answers it from the person's authenticator key.
 */
export async function signIn(
  cognito: CognitoIdentityProviderClient,
  pool: { poolId: string; clientId: string },
  username: string,
  password: string,
  totpKey?: string,
): Promise<string> {
  const started = await cognito.send(
    new AdminInitiateAuthCommand({
      UserPoolId: pool.poolId,
      ClientId: pool.clientId,
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  let result = started.AuthenticationResult;
  if (started.ChallengeName === 'SOFTWARE_TOKEN_MFA' && totpKey) {
    const answered = await withCurrentCode(totpKey, (code) =>
      cognito.send(
        new AdminRespondToAuthChallengeCommand({
          UserPoolId: pool.poolId,
          ClientId: pool.clientId,
          ChallengeName: 'SOFTWARE_TOKEN_MFA',
          Session: started.Session,
          ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code },
        }),
      ),
    );
    result = answered.AuthenticationResult;
  }
  if (!result?.IdToken) {
    throw new Error(
      `${username} could not sign in${started.ChallengeName ? ` (${started.ChallengeName})` : ''}`,
    );
  }
  return result.IdToken;
}

/**
 * Signs a person without a second factor in, and sets up their TOTP authenticator as
 * the first sign-in to the deployed pool does (AssociateSoftwareToken, then
 * VerifySoftwareToken with a code from it), the preferred factor from then on. Answers the
 * ID token of that sign-in and the authenticator's base32 key.
 */
export async function enrolAuthenticator(
  cognito: CognitoIdentityProviderClient,
  pool: { poolId: string; clientId: string },
  username: string,
  password: string,
): Promise<{ idToken: string; totpKey: string }> {
  const { AuthenticationResult } = await cognito.send(
    new AdminInitiateAuthCommand({
      UserPoolId: pool.poolId,
      ClientId: pool.clientId,
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  const AccessToken = AuthenticationResult?.AccessToken;
  if (!AccessToken || !AuthenticationResult.IdToken) {
    throw new Error(`${username} could not sign in`);
  }
  const { SecretCode } = await cognito.send(new AssociateSoftwareTokenCommand({ AccessToken }));
  if (!SecretCode) throw new Error(`the pool gave ${username} no authenticator key`);
  await withCurrentCode(SecretCode, (UserCode) =>
    cognito.send(
      new VerifySoftwareTokenCommand({ AccessToken, UserCode, FriendlyDeviceName: 'sandbox' }),
    ),
  );
  await cognito.send(
    new AdminSetUserMFAPreferenceCommand({
      UserPoolId: pool.poolId,
      Username: username,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    }),
  );
  return { idToken: AuthenticationResult.IdToken, totpKey: SecretCode };
}

/** A Cognito client for the emulator the sandbox runs against. */
export const emulatorCognito = (target: { endpoint: string; region: string }) =>
  new CognitoIdentityProviderClient({
    endpoint: target.endpoint,
    region: target.region,
    credentials: emulatorCredentials,
  });

/**
 * Creates `{group}@sandbox.local` in each group of the first user pool, sets up its TOTP
 * authenticator and answers its first ID token (the emulator issues RS256 ID tokens valid
 * for an hour and serves their JWKS). Later sign-ins ask for the TOTP code, which the
 * emulator checks.
 */
export async function seedPeople(app: ProvisionedApp): Promise<SeededUsers> {
  const pool = app.userPools[0];
  const clientId = pool?.clientIds[0];
  if (!pool || !clientId) return {};
  const cognito = emulatorCognito(app.target);
  const users: SeededUsers = {};
  try {
    for (const group of pool.groups) {
      const person = await addPerson(cognito, pool.poolId, group, `${group}@sandbox.local`);
      const enrolled = await enrolAuthenticator(
        cognito,
        { poolId: pool.poolId, clientId },
        person.username,
        person.password,
      );
      users[group] = { ...person, ...enrolled };
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
