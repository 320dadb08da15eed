/**
 * The sandbox's stand-in for the user pool's managed login: an OpenID provider
 * (`oidc-provider`) on its own loopback port whose accounts are the emulator's user-pool
 * users. The portal's code is the same as in AWS; only its issuer URL points here.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  CodeMismatchException,
  type CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  EnableSoftwareTokenMFAException,
  InvalidPasswordException,
  NotAuthorizedException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import {
  authenticatorForm,
  codeForm,
  errorPage,
  LOGIN_CSP,
  newPasswordForm,
  passwordForm,
  signedOutPage,
  signOutConfirmation,
} from './pages.ts';
import { type PoolIdentity, poolSignIn, type SignInStep } from './pool-sign-in.ts';

export interface LoginProviderOptions {
  cognito: CognitoIdentityProviderClient;
  poolId: string;
  /** The portal's app client: its id, secret, callback and sign-out URLs come from the pool. */
  clientId: string;
  /** 0 for a free port. */
  port?: number;
}

export interface LoginProvider {
  /** `http://127.0.0.1:<port>`: the portal's OIDC_ISSUER_URL in the sandbox. */
  issuer: string;
  stop(): Promise<void>;
}

/** Claims as the user pool's ID tokens carry them. */
const CLAIMS = {
  openid: ['sub', 'cognito:groups', 'cognito:username'],
  email: ['email', 'email_verified'],
  profile: [],
};

/** Starts the stand-in login for one app client of the emulator's pool. */
export async function startLoginProvider(options: LoginProviderOptions): Promise<LoginProvider> {
  const { UserPoolClient: client } = await options.cognito.send(
    new DescribeUserPoolClientCommand({ UserPoolId: options.poolId, ClientId: options.clientId }),
  );
  if (!client?.ClientSecret) throw new Error(`app client ${options.clientId} has no secret`);
  const signIn = poolSignIn(options.cognito, {
    poolId: options.poolId,
    clientId: options.clientId,
    clientSecret: client.ClientSecret,
  });

  const server = createServer();
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  /** Who signed in, by subject: what the ID token says of them. */
  const accounts = new Map<string, PoolIdentity>();
  /** Each interaction's sign-in under way, by interaction id (gone with the interaction). */
  const steps = new Map<string, SignInStep & { email: string; at: number }>();
  const forgetStale = () => {
    for (const [uid, step] of steps) if (Date.now() - step.at > 600_000) steps.delete(uid);
  };

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const page = (ctx: KoaContextWithOIDC, markup: string) => {
    ctx.type = 'html';
    ctx.set('content-security-policy', LOGIN_CSP);
    ctx.body = markup;
  };
  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        client_secret: client.ClientSecret,
        redirect_uris: client.CallbackURLs ?? [],
        post_logout_redirect_uris: client.LogoutURLs ?? [],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: {
      keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'sandbox', alg: 'RS256', use: 'sig' }],
    },
    cookies: {
      keys: [randomBytes(32).toString('hex')],
      names: { session: 'sbx_login', interaction: 'sbx_login_step', resume: 'sbx_login_resume' },
    },
    claims: CLAIMS,
    // Cognito's ID tokens carry the person's groups and e-mail whatever else is issued.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const identity = accounts.get(sub);
      if (!identity) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: identity.email,
          email_verified: true,
          'cognito:groups': identity.groups,
          'cognito:username': identity.email,
        }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The portal is the operator's own client: nothing to consent to (managed login asks none).
    loadExistingGrant: async (ctx) => {
      const session = ctx.oidc.session;
      const clientId = ctx.oidc.client?.clientId;
      if (!session?.accountId || !clientId) return undefined;
      const existing = session.grantIdFor(clientId);
      if (existing) {
        const grant = await ctx.oidc.provider.Grant.find(existing);
        if (grant) return grant;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    issueRefreshToken: (_ctx, app) => app.grantTypeAllowed('refresh_token'),
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      // The portal revokes its own refresh token at sign-out, and only its own.
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, app, token) => token.clientId === app.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => page(ctx, signOutConfirmation(form)),
        postLogoutSuccessSource: (ctx) => page(ctx, signedOutPage()),
      },
    },
    renderError: (ctx, out) =>
      page(ctx, errorPage('Sign-in failed', String(out.error_description ?? out.error))),
    // As the portal's app client: an hour for ID and access tokens, eight for refresh.
    // The login's own session and grant last as long as a portal session may.
    ttl: {
      IdToken: 3600,
      AccessToken: 3600,
      RefreshToken: 8 * 3600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
  };
  const provider = new Provider(issuer, configuration);
  const oidc = provider.callback();

  /** GET shows the interaction's current step; POST answers it and moves on. */
  async function interaction(request: IncomingMessage, response: ServerResponse, uid: string) {
    const send = (status: number, markup: string) => {
      response.writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': LOGIN_CSP,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      });
      response.end(markup);
    };
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(request, response);
    } catch {
      send(
        400,
        errorPage('Sign-in expired', 'This sign-in has expired. Start again from the portal.'),
      );
      return;
    }
    if (details.uid !== uid) {
      send(
        400,
        errorPage('Sign-in expired', 'This sign-in has expired. Start again from the portal.'),
      );
      return;
    }
    const action = `/interaction/${uid}`;
    const show = (
      step: (SignInStep & { email: string }) | undefined,
      error?: string,
      status = 200,
    ) => {
      if (!step || step.kind === 'signedIn') send(status, passwordForm(action, error, step?.email));
      else if (step.kind === 'newPassword') send(status, newPasswordForm(action, error));
      else if (step.kind === 'code') send(status, codeForm(action, error));
      else send(status, authenticatorForm(action, step, error));
    };
    const current = steps.get(uid);
    if (request.method !== 'POST') {
      show(current);
      return;
    }
    const form = new URLSearchParams(await bodyOf(request));
    try {
      let next: SignInStep;
      let email = current?.email ?? '';
      if (!current || current.kind === 'signedIn') {
        email = (form.get('email') ?? '').trim();
        next = await signIn.password(email, form.get('password') ?? '');
      } else if (current.kind === 'newPassword') {
        next = await signIn.newPassword(current, form.get('password') ?? '');
      } else if (current.kind === 'code') {
        next = await signIn.code(current, (form.get('code') ?? '').trim());
      } else {
        next = await signIn.authenticator(current, (form.get('code') ?? '').trim());
      }
      if (next.kind !== 'signedIn') {
        forgetStale();
        steps.set(uid, { ...next, email, at: Date.now() });
        show({ ...next, email });
        return;
      }
      steps.delete(uid);
      accounts.set(next.identity.sub, next.identity);
      await provider.interactionFinished(
        request,
        response,
        { login: { accountId: next.identity.sub, amr: ['pwd', 'otp'] } },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      // A wrong password starts over; a wrong code or a refused password asks again.
      if (!refusal.restart) {
        show(current, refusal.message, 400);
        return;
      }
      steps.delete(uid);
      send(400, passwordForm(action, refusal.message, current?.email ?? form.get('email') ?? ''));
    }
  }

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', issuer).pathname;
    const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(path);
    if (!match?.[1]) {
      oidc(request, response);
      return;
    }
    interaction(request, response, match[1]).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      }
      response.end(
        `The sandbox login failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  });

  return {
    issuer,
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

/** What the person is told when the pool refuses a step, and whether they start over. */
function refusalOf(error: unknown): { message: string; restart: boolean } | undefined {
  if (error instanceof NotAuthorizedException || error instanceof UserNotFoundException) {
    return { message: 'Incorrect e-mail address or password.', restart: true };
  }
  if (error instanceof CodeMismatchException || error instanceof EnableSoftwareTokenMFAException) {
    return { message: 'That code is not right. Try the one your app shows now.', restart: false };
  }
  if (error instanceof InvalidPasswordException) {
    return { message: `That password is not accepted: ${error.message}`, restart: false };
  }
  return undefined;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
