import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Group } from './people.ts';

/** A session ends after 30 minutes without a request, and 8 hours after sign-in at most. */
export const SESSION_IDLE_SECONDS = 30 * 60;
export const SESSION_MAX_SECONDS = 8 * 60 * 60;
/** A sign-in must come back from the user pool within ten minutes. */
export const SIGN_IN_SECONDS = 10 * 60;
/** A session's last-seen time is written at most once a minute: fewer writes, same limits. */
export const TOUCH_AFTER_SECONDS = 60;

/** A signed-in person's session, kept server-side; the cookie holds only its random id. */
export interface PortalSession {
  subject: string;
  email: string;
  groups: Group[];
  /** The token every form that changes something must carry. */
  csrfToken: string;
  /** Revoked at sign-out, so the user pool's session cannot be renewed from it. */
  refreshToken?: string;
  createdAt: Date;
  lastSeenAt: Date;
}

/** A sign-in under way: what the callback must find again (RFC 9700 §2.1, OIDC §3.1.2.1). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  createdAt: Date;
}

/** When a session ends: idle limit from its last request, capped by the absolute limit. */
export function sessionEndsAt(session: Pick<PortalSession, 'createdAt' | 'lastSeenAt'>): Date {
  return new Date(
    Math.min(
      session.createdAt.getTime() + SESSION_MAX_SECONDS * 1000,
      session.lastSeenAt.getTime() + SESSION_IDLE_SECONDS * 1000,
    ),
  );
}

/** Whether the session still holds at `now`. */
export const isSessionLive = (session: PortalSession, now: Date) =>
  now.getTime() < sessionEndsAt(session).getTime();

/** Whether a request at `now` should move the session's last-seen time. */
export const needsTouch = (session: PortalSession, now: Date) =>
  now.getTime() - session.lastSeenAt.getTime() >= TOUCH_AFTER_SECONDS * 1000;

/** A new cookie value: 256 random bits, base64url. */
export const newCookieValue = () => randomBytes(32).toString('base64url');

/** What the table keys a cookie by: its SHA-256, so that a read of the table is no cookie. */
export const cookieHash = (value: string) => createHash('sha256').update(value).digest('base64url');

/** Whether a form's CSRF token is the session's (compared in constant time). */
export function csrfTokenMatches(session: PortalSession, submitted: string | undefined): boolean {
  if (!submitted) return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(submitted);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
