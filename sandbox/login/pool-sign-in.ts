/**
 * A sign-in to the emulator's user pool, step by step, as managed login runs it for an
 * app client: the password (AdminInitiateAuth), then whichever challenge the pool sets,
 * a new password in place of an invitation's temporary one (NEW_PASSWORD_REQUIRED), the
 * TOTP authenticator's set-up (MFA_SETUP: AssociateSoftwareToken, VerifySoftwareToken) or
 * its code (SOFTWARE_TOKEN_MFA). The emulator checks the password and every code.
 */
import { createHmac } from 'node:crypto';
import {
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AdminSetUserMFAPreferenceCommand,
  AssociateSoftwareTokenCommand,
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { otpauthUri } from './totp.ts';

/** The app client the portal signs in through: a confidential one (SECRET_HASH). */
export interface PoolAppClient {
  poolId: string;
  clientId: string;
  clientSecret: string;
}

/** What the pool vouched for: the claims of the ID token it issued. */
export interface PoolIdentity {
  sub: string;
  email: string;
  groups: string[];
}

/** Where a sign-in stands after a step. */
export type SignInStep =
  | { kind: 'signedIn'; identity: PoolIdentity }
  | { kind: 'newPassword'; username: string; session: string }
  | { kind: 'code'; username: string; session: string }
  | {
      kind: 'authenticator';
      username: string;
      key: string;
      uri: string;
      /** The MFA_SETUP challenge's session… */
      session?: string;
      /** …or, for a person who got in without a factor, their access token and identity. */
      accessToken?: string;
      identity?: PoolIdentity;
    };

/** The ID token's claims; it came straight from the emulator, so it is not verified again. */
function identityOf(idToken: string): PoolIdentity {
  const claims = JSON.parse(
    Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as Record<string, unknown>;
  const groups = claims['cognito:groups'];
  return {
    sub: String(claims.sub ?? ''),
    email: String(claims.email ?? ''),
    groups: Array.isArray(groups) ? groups.map(String) : [],
  };
}

/** The steps of a sign-in through one app client of the emulator's pool. */
export function poolSignIn(cognito: CognitoIdentityProviderClient, client: PoolAppClient) {
  const secretHash = (username: string) =>
    createHmac('sha256', client.clientSecret)
      .update(username + client.clientId)
      .digest('base64');

  const respond = (
    ChallengeName: 'NEW_PASSWORD_REQUIRED' | 'SOFTWARE_TOKEN_MFA' | 'MFA_SETUP',
    username: string,
    Session: string | undefined,
    answers: Record<string, string> = {},
  ) =>
    cognito.send(
      new AdminRespondToAuthChallengeCommand({
        UserPoolId: client.poolId,
        ClientId: client.clientId,
        ChallengeName,
        Session,
        ChallengeResponses: { USERNAME: username, SECRET_HASH: secretHash(username), ...answers },
      }),
    );

  async function authenticatorSetUp(
    username: string,
    by: { session: string } | { accessToken: string; identity: PoolIdentity },
  ): Promise<SignInStep> {
    const { SecretCode, Session } = await cognito.send(
      new AssociateSoftwareTokenCommand(
        'session' in by ? { Session: by.session } : { AccessToken: by.accessToken },
      ),
    );
    if (!SecretCode) throw new Error('the pool gave no authenticator key');
    return {
      kind: 'authenticator',
      username,
      key: SecretCode,
      uri: otpauthUri(SecretCode, username),
      ...('session' in by
        ? { session: Session ?? by.session }
        : { accessToken: by.accessToken, identity: by.identity }),
    };
  }

  /** The pool's answer to a step: signed in, or its next challenge. */
  async function next(
    username: string,
    answer: {
      ChallengeName?: string;
      Session?: string;
      AuthenticationResult?: AuthenticationResultType;
    },
  ): Promise<SignInStep> {
    const session = answer.Session ?? '';
    switch (answer.ChallengeName) {
      case 'NEW_PASSWORD_REQUIRED':
        return { kind: 'newPassword', username, session };
      case 'SOFTWARE_TOKEN_MFA':
        return { kind: 'code', username, session };
      case 'MFA_SETUP':
        return authenticatorSetUp(username, { session });
      case undefined:
        break;
      default:
        throw new Error(`the pool asked for ${answer.ChallengeName}, which this login lacks`);
    }
    const result = answer.AuthenticationResult;
    if (!result?.IdToken || !result.AccessToken) throw new Error('the pool issued no tokens');
    return { kind: 'signedIn', identity: identityOf(result.IdToken) };
  }

  return {
    /** The e-mail address and password. */
    async password(username: string, password: string): Promise<SignInStep> {
      const answer = await cognito.send(
        new AdminInitiateAuthCommand({
          UserPoolId: client.poolId,
          ClientId: client.clientId,
          AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
          AuthParameters: {
            USERNAME: username,
            PASSWORD: password,
            SECRET_HASH: secretHash(username),
          },
        }),
      );
      const { AccessToken: accessToken, IdToken: idToken } = answer.AuthenticationResult ?? {};
      if (!answer.ChallengeName && accessToken && idToken) {
        // The pool requires MFA: a person who got in on a password alone (the emulator
        // lets one with no factor yet) sets one up now, as managed login makes them.
        return authenticatorSetUp(username, { accessToken, identity: identityOf(idToken) });
      }
      return next(username, answer);
    },

    /** A new password in place of the temporary one. */
    async newPassword(step: { username: string; session: string }, password: string) {
      return next(
        step.username,
        await respond('NEW_PASSWORD_REQUIRED', step.username, step.session, {
          NEW_PASSWORD: password,
        }),
      );
    },

    /** The authenticator's code at sign-in. */
    async code(step: { username: string; session: string }, code: string) {
      return next(
        step.username,
        await respond('SOFTWARE_TOKEN_MFA', step.username, step.session, {
          SOFTWARE_TOKEN_MFA_CODE: code,
        }),
      );
    },

    /**
     * The new authenticator's first code: verified, made the preferred factor, and then
     * the sign-in finishes (through the MFA_SETUP challenge, or with the identity of the
     * password step for a person who had got in without one).
     */
    async authenticator(
      step: { username: string; session?: string; accessToken?: string; identity?: PoolIdentity },
      code: string,
    ): Promise<SignInStep> {
      const verified = await cognito.send(
        new VerifySoftwareTokenCommand({
          ...(step.accessToken ? { AccessToken: step.accessToken } : { Session: step.session }),
          UserCode: code,
          FriendlyDeviceName: 'authenticator',
        }),
      );
      await cognito.send(
        new AdminSetUserMFAPreferenceCommand({
          UserPoolId: client.poolId,
          Username: step.username,
          SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
        }),
      );
      if (step.identity) return { kind: 'signedIn', identity: step.identity };
      return next(step.username, await respond('MFA_SETUP', step.username, verified.Session));
    },
  };
}
