import * as oidc from 'openid-client';
import type { PendingSignIn } from '../../domain/portal-session.ts';
import type { IdentityProvider, SignedInIdentity } from '../../use-cases/portal-session.ts';

export interface RelyingPartyOptions {
  /** The user pool's issuer (`https://cognito-idp.<region>.amazonaws.com/<poolId>`). */
  issuer: URL;
  clientId: string;
  /** The app client's secret, read once (a confidential client: client_secret_basic). */
  clientSecret: () => Promise<string>;
  /** `<public URL>/portal/callback`, as registered on the app client. */
  redirectUri: string;
  /** `<public URL>/portal/signed-out`, as registered on the app client. */
  signedOutUri: string;
}

/** Plain HTTP is allowed only for a provider on this machine (the sandbox's stand-in). */
const isLoopback = (url: URL) =>
  url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/**
 * The provider's metadata with the revocation and end-session endpoints it lacks taken
 * from its login domain (the authorization endpoint's origin): a user pool's discovery
 * document names neither, while its managed login serves `/oauth2/revoke` and `/logout`.
 */
export function withLoginDomainEndpoints(metadata: oidc.ServerMetadata): oidc.ServerMetadata {
  const domain = new URL(metadata.authorization_endpoint ?? metadata.issuer).origin;
  return {
    ...metadata,
    revocation_endpoint: metadata.revocation_endpoint ?? `${domain}/oauth2/revoke`,
    end_session_endpoint: metadata.end_session_endpoint ?? `${domain}/logout`,
  };
}

/**
 * The portal as an OpenID Connect relying party of the user pool's managed login, through
 * `openid-client`: authorization code with PKCE (S256), state and nonce, the ID token
 * checked (signature, issuer, audience, expiry, nonce) before any claim is read.
 */
export function openIdRelyingParty(options: RelyingPartyOptions): IdentityProvider {
  let configuration: Promise<oidc.Configuration> | undefined;
  const configured = () => {
    configuration ??= (async () => {
      const authentication = oidc.ClientSecretBasic(await options.clientSecret());
      const discovered = await oidc.discovery(
        options.issuer,
        options.clientId,
        undefined,
        authentication,
        isLoopback(options.issuer) ? { execute: [oidc.allowInsecureRequests] } : {},
      );
      const metadata = discovered.serverMetadata();
      if (metadata.revocation_endpoint && metadata.end_session_endpoint) return discovered;
      const completed = new oidc.Configuration(
        withLoginDomainEndpoints(metadata),
        options.clientId,
        undefined,
        authentication,
      );
      if (isLoopback(options.issuer)) oidc.allowInsecureRequests(completed);
      return completed;
    })().catch((error: unknown) => {
      configuration = undefined; // the next request tries again
      throw error;
    });
    return configuration;
  };

  return {
    async beginSignIn() {
      const config = await configured();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: options.redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url, pending: { state, nonce, codeVerifier } };
    },

    async finishSignIn(callback: URL, pending: PendingSignIn): Promise<SignedInIdentity> {
      const config = await configured();
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new Error('no ID token');
      const groups = claims['cognito:groups'];
      return {
        subject: claims.sub,
        email: typeof claims.email === 'string' ? claims.email : '',
        groups: Array.isArray(groups) ? groups.map(String) : [],
        ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
      };
    },

    async revokeRefreshToken(token: string) {
      await oidc.tokenRevocation(await configured(), token, {
        token_type_hint: 'refresh_token',
      });
    },

    async signOutUrl() {
      // Cognito's end-session endpoint (/logout) takes client_id and logout_uri; the
      // standard's post_logout_redirect_uri is sent too, for providers that follow it.
      return oidc.buildEndSessionUrl(await configured(), {
        logout_uri: options.signedOutUri,
        post_logout_redirect_uri: options.signedOutUri,
      });
    },
  };
}
