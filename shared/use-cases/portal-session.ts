import { type Caller, groupsIn, NotPermittedError, READERS } from '../domain/people.ts';
import {
  cookieHash,
  isSessionLive,
  needsTouch,
  newCookieValue,
  type PendingSignIn,
  type PortalSession,
  SIGN_IN_SECONDS,
} from '../domain/portal-session.ts';

/** Where sessions and sign-ins under way are kept, by the hash of their cookie. */
export interface SessionStore {
  putSignIn(hash: string, pending: PendingSignIn): Promise<void>;
  /** The sign-in, removed as it is taken: undefined when unknown or already taken. */
  takeSignIn(hash: string): Promise<PendingSignIn | undefined>;
  putSession(hash: string, session: PortalSession): Promise<void>;
  getSession(hash: string): Promise<PortalSession | undefined>;
  touchSession(hash: string, session: PortalSession): Promise<void>;
  /** The session as it was, removed. */
  deleteSession(hash: string): Promise<PortalSession | undefined>;
  /** Ends every session of a person; answers how many there were. */
  deleteSessionsOf(subject: string): Promise<number>;
}

/** The identity the user pool vouched for at sign-in. */
export interface SignedInIdentity {
  subject: string;
  email: string;
  groups: readonly string[];
  refreshToken?: string;
}

/** The OpenID provider (the user pool's managed login): code flow with PKCE. */
export interface IdentityProvider {
  /** Where to send the browser, and what its return must match (state, nonce, PKCE). */
  beginSignIn(): Promise<{ url: URL; pending: Omit<PendingSignIn, 'createdAt'> }>;
  /** Redeems the callback's code once, checking state, nonce and the ID token. */
  finishSignIn(callback: URL, pending: PendingSignIn): Promise<SignedInIdentity>;
  revokeRefreshToken(token: string): Promise<void>;
  /** The provider's sign-out, which then sends the browser back to the portal. */
  signOutUrl(): Promise<URL>;
}

export interface PortalSessions {
  store: SessionStore;
  provider: IdentityProvider;
  now: () => Date;
}

/** Why a sign-in could not finish; the person starts again from the sign-in page. */
export class SignInFailedError extends Error {
  override name = 'SignInFailedError';
}

/** Starts a sign-in: the cookie that binds the browser to it, and where to send it. */
export async function beginSignIn(sessions: PortalSessions): Promise<{ cookie: string; url: URL }> {
  const { url, pending } = await sessions.provider.beginSignIn();
  const cookie = newCookieValue();
  await sessions.store.putSignIn(cookieHash(cookie), { ...pending, createdAt: sessions.now() });
  return { cookie, url };
}

/**
 * Finishes a sign-in from the provider's callback: only in the browser that began it
 * (its cookie), once (the sign-in is taken as it is read), within ten minutes, and only
 * with the state, nonce and PKCE verifier it began with. Answers the new session's
 * cookie; a person in no group is refused.
 */
export async function finishSignIn(
  sessions: PortalSessions,
  signInCookie: string | undefined,
  callback: URL,
): Promise<{ cookie: string; session: PortalSession }> {
  const pending = signInCookie
    ? await sessions.store.takeSignIn(cookieHash(signInCookie))
    : undefined;
  const now = sessions.now();
  if (!pending || now.getTime() - pending.createdAt.getTime() > SIGN_IN_SECONDS * 1000) {
    throw new SignInFailedError('This sign-in has expired or was already used.');
  }
  let identity: SignedInIdentity;
  try {
    identity = await sessions.provider.finishSignIn(callback, pending);
  } catch (error) {
    throw new SignInFailedError(
      `The sign-in could not be verified: ${error instanceof Error ? error.message : 'unknown'}`,
    );
  }
  const groups = groupsIn(identity.groups);
  // Someone the user pool knows but who was never given access: a 403, and no session.
  if (groups.length === 0) throw new NotPermittedError(READERS);
  const session: PortalSession = {
    subject: identity.subject,
    email: identity.email,
    groups,
    csrfToken: newCookieValue(),
    ...(identity.refreshToken ? { refreshToken: identity.refreshToken } : {}),
    createdAt: now,
    lastSeenAt: now,
  };
  const cookie = newCookieValue();
  await sessions.store.putSession(cookieHash(cookie), session);
  return { cookie, session };
}

/**
 * The live session a cookie holds, its last-seen time moved on; undefined (and the
 * session removed) once idle 30 minutes or 8 hours after sign-in.
 */
export async function currentSession(
  sessions: PortalSessions,
  cookie: string | undefined,
): Promise<PortalSession | undefined> {
  if (!cookie) return undefined;
  const hash = cookieHash(cookie);
  const session = await sessions.store.getSession(hash);
  if (!session) return undefined;
  const now = sessions.now();
  if (!isSessionLive(session, now)) {
    await sessions.store.deleteSession(hash);
    return undefined;
  }
  if (!needsTouch(session, now)) return session;
  const touched = { ...session, lastSeenAt: now };
  await sessions.store.touchSession(hash, touched);
  return touched;
}

/**
 * Ends the session here, revokes its refresh token at the user pool, and answers the
 * provider's sign-out, where the browser goes next. A revocation the pool refuses or
 * does not answer is reported to `onRevokeFailed` and does not stop the sign-out: the
 * session is gone here already, and the token, held nowhere else, expires on its own.
 */
export async function signOut(
  sessions: PortalSessions,
  cookie: string | undefined,
  onRevokeFailed: (error: unknown) => void = () => {},
): Promise<URL> {
  const ended = cookie ? await sessions.store.deleteSession(cookieHash(cookie)) : undefined;
  if (ended?.refreshToken) {
    try {
      await sessions.provider.revokeRefreshToken(ended.refreshToken);
    } catch (error) {
      onRevokeFailed(error);
    }
  }
  return sessions.provider.signOutUrl();
}

/** The person behind a session, as the use cases check them: the same as an API caller. */
export const callerOfSession = (session: PortalSession): Caller => ({
  subject: session.subject,
  email: session.email,
  groups: session.groups,
});
