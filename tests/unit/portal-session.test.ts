import { describe, expect, it } from 'vitest';
import {
  cookieHash,
  csrfTokenMatches,
  type PortalSession,
  SESSION_IDLE_SECONDS,
  SESSION_MAX_SECONDS,
  SIGN_IN_SECONDS,
} from '#shared/domain/portal-session.ts';
import {
  beginSignIn,
  currentSession,
  finishSignIn,
  type PortalSessions,
  SignInFailedError,
  signOut,
} from '#shared/use-cases/portal-session.ts';
import { fakeIdentityProvider, inMemorySessionStore, testClock } from '../support/portal-fakes.ts';

function portalSessions() {
  const clock = testClock();
  const store = inMemorySessionStore();
  const identity = fakeIdentityProvider();
  const sessions: PortalSessions = {
    store: store.store,
    provider: identity.provider,
    now: clock.now,
  };
  return { sessions, clock, store, identity };
}

/** The callback the provider sends the browser to, carrying the sign-in's state. */
const callbackFor = (state: string, code = 'code-1') =>
  new URL(`https://api.example.test/portal/callback?code=${code}&state=${state}`);

async function signedIn(world: ReturnType<typeof portalSessions>) {
  const begun = await beginSignIn(world.sessions);
  const state = world.identity.begun.at(-1)?.state ?? '';
  return finishSignIn(world.sessions, begun.cookie, callbackFor(state));
}

describe('beginSignIn', () => {
  it('keeps the state, nonce and PKCE verifier under the hash of a fresh 256-bit cookie', async () => {
    // Prepare
    const world = portalSessions();

    // Act
    const { cookie, url } = await beginSignIn(world.sessions);

    // Assess
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.origin).toBe('https://login.example.test');
    expect(world.store.signIns.has(cookie)).toBe(false);
    expect(world.store.signIns.get(cookieHash(cookie))).toEqual({
      ...world.identity.begun[0],
      createdAt: world.clock.now(),
    });
  });

  it('binds each browser to its own sign-in, when two begin at once', async () => {
    // Prepare
    const world = portalSessions();

    // Act
    const first = await beginSignIn(world.sessions);
    const second = await beginSignIn(world.sessions);

    // Assess
    expect(first.cookie).not.toBe(second.cookie);
    expect(world.identity.begun[0]?.state).not.toBe(world.identity.begun[1]?.state);
    expect(world.store.signIns.size).toBe(2);
  });
});

describe('finishSignIn', () => {
  it('hands the relying party the state, nonce and PKCE verifier the sign-in began with', async () => {
    // Prepare
    const world = portalSessions();
    const begun = await beginSignIn(world.sessions);
    const pending = world.identity.begun[0];
    const callback = callbackFor(pending?.state ?? '');

    // Act
    await finishSignIn(world.sessions, begun.cookie, callback);

    // Assess
    expect(world.identity.finished).toEqual([
      { callback, pending: { ...pending, createdAt: world.clock.now() } },
    ]);
  });

  it('starts a session of the groups the user pool vouched for, with its own CSRF token', async () => {
    // Prepare
    const world = portalSessions();
    world.identity.provider.identity = {
      subject: 'sub-7',
      email: 'seven@regulator.example',
      groups: ['regulators', 'some-other-app-group'],
      refreshToken: 'refresh-7',
    };

    // Act
    const { cookie, session } = await signedIn(world);

    // Assess
    expect(session).toEqual({
      subject: 'sub-7',
      email: 'seven@regulator.example',
      groups: ['regulators'],
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      refreshToken: 'refresh-7',
      createdAt: world.clock.now(),
      lastSeenAt: world.clock.now(),
    });
    expect(session.csrfToken).not.toBe(cookie);
    expect(world.store.sessions.get(cookieHash(cookie))).toEqual(session);
    expect(world.store.signIns.size).toBe(0);
  });

  it('refuses a replayed callback: the state was taken by the first', async () => {
    // Prepare
    const world = portalSessions();
    const begun = await beginSignIn(world.sessions);
    const callback = callbackFor(world.identity.begun[0]?.state ?? '');
    await finishSignIn(world.sessions, begun.cookie, callback);

    // Act
    const replay = finishSignIn(world.sessions, begun.cookie, callback);

    // Assess
    await expect(replay).rejects.toBeInstanceOf(SignInFailedError);
    expect(world.identity.finished).toHaveLength(1);
    expect(world.store.sessions.size).toBe(1);
  });

  it('refuses a callback in a browser that began no sign-in, without asking the provider', async () => {
    // Prepare
    const world = portalSessions();
    await beginSignIn(world.sessions);
    const callback = callbackFor(world.identity.begun[0]?.state ?? '');

    // Act
    const withoutCookie = finishSignIn(world.sessions, undefined, callback);
    const withUnknownCookie = finishSignIn(world.sessions, 'not-a-sign-in', callback);

    // Assess
    await expect(withoutCookie).rejects.toBeInstanceOf(SignInFailedError);
    await expect(withUnknownCookie).rejects.toBeInstanceOf(SignInFailedError);
    expect(world.identity.finished).toEqual([]);
    expect(world.store.sessions.size).toBe(0);
  });

  it('refuses a callback whose state is another sign-in’s, and starts no session', async () => {
    // Prepare
    const world = portalSessions();
    const mine = await beginSignIn(world.sessions);
    await beginSignIn(world.sessions);
    const othersState = world.identity.begun[1]?.state ?? '';

    // Act
    const finishing = finishSignIn(world.sessions, mine.cookie, callbackFor(othersState));

    // Assess
    await expect(finishing).rejects.toThrow(/could not be verified/);
    expect(world.store.sessions.size).toBe(0);
  });

  it('refuses a sign-in that comes back after ten minutes, and it cannot be retried', async () => {
    // Prepare
    const world = portalSessions();
    const begun = await beginSignIn(world.sessions);
    const callback = callbackFor(world.identity.begun[0]?.state ?? '');
    world.clock.advance(SIGN_IN_SECONDS + 1);

    // Act
    const late = finishSignIn(world.sessions, begun.cookie, callback);

    // Assess
    await expect(late).rejects.toThrow(/expired or was already used/);
    expect(world.identity.finished).toEqual([]);
    expect(world.store.signIns.size).toBe(0);
  });

  it('refuses a person in none of the portal’s groups, and starts no session', async () => {
    // Prepare
    const world = portalSessions();
    world.identity.provider.identity = {
      subject: 'sub-nobody',
      email: 'nobody@example.test',
      groups: ['some-other-app-group'],
    };

    // Act
    const finishing = signedIn(world);

    // Assess
    await expect(finishing).rejects.toThrow(/Only members of regulators or assessors or admins/);
    expect(world.store.sessions.size).toBe(0);
  });
});

describe('currentSession', () => {
  it('holds for 30 minutes after the last request, and ends (removed) at 30', async () => {
    // Prepare
    const world = portalSessions();
    const { cookie } = await signedIn(world);

    // Act: a request a second before the limit, then none for 30 minutes
    world.clock.advance(SESSION_IDLE_SECONDS - 1);
    const justInTime = await currentSession(world.sessions, cookie);
    world.clock.advance(SESSION_IDLE_SECONDS);
    const idle = await currentSession(world.sessions, cookie);

    // Assess
    expect(justInTime?.subject).toBe('sub-regulator');
    expect(idle).toBeUndefined();
    expect(world.store.sessions.size).toBe(0);
  });

  it('ends 8 hours after sign-in however busy the person is', async () => {
    // Prepare
    const world = portalSessions();
    const { cookie } = await signedIn(world);
    const seen: boolean[] = [];

    // Act: a request every 20 minutes, for 8 hours and 20 minutes
    for (let minutes = 20; minutes <= 8 * 60 + 20; minutes += 20) {
      world.clock.advance(20 * 60);
      seen.push((await currentSession(world.sessions, cookie)) !== undefined);
    }

    // Assess
    const live = seen.filter(Boolean).length;
    expect(live).toBe(SESSION_MAX_SECONDS / (20 * 60) - 1);
    expect(seen.slice(live)).toEqual([false, false]);
    expect(world.store.sessions.size).toBe(0);
  });

  it('moves the last-seen time at most once a minute', async () => {
    // Prepare
    const world = portalSessions();
    const { cookie } = await signedIn(world);

    // Act
    world.clock.advance(30);
    const soon = await currentSession(world.sessions, cookie);
    world.clock.advance(30);
    const aMinuteOn = await currentSession(world.sessions, cookie);

    // Assess
    expect(world.store.touches).toHaveLength(1);
    expect(soon?.lastSeenAt).toEqual(soon?.createdAt);
    expect(aMinuteOn?.lastSeenAt).toEqual(world.clock.now());
    expect(world.store.sessions.get(cookieHash(cookie))?.lastSeenAt).toEqual(world.clock.now());
  });

  it('knows no session for a missing, unknown or sign-in cookie', async () => {
    // Prepare
    const world = portalSessions();
    const begun = await beginSignIn(world.sessions);

    // Act
    const results = await Promise.all([
      currentSession(world.sessions, undefined),
      currentSession(world.sessions, 'forged-cookie-value'),
      currentSession(world.sessions, begun.cookie),
    ]);

    // Assess
    expect(results).toEqual([undefined, undefined, undefined]);
  });
});

describe('csrfTokenMatches', () => {
  const session = (csrfToken: string): PortalSession => ({
    subject: 'sub-1',
    email: 'one@example.test',
    groups: ['admins'],
    csrfToken,
    createdAt: new Date(0),
    lastSeenAt: new Date(0),
  });

  it('accepts a form carrying its session’s own token', () => {
    expect(csrfTokenMatches(session('token-a'), 'token-a')).toBe(true);
  });

  it.each([
    ['no token', undefined],
    ['an empty token', ''],
    ['another session’s token', 'token-b'],
    ['a longer token', 'token-aa'],
    ['a prefix of the token', 'token-'],
  ])('refuses a form carrying %s', (_, submitted) => {
    expect(csrfTokenMatches(session('token-a'), submitted)).toBe(false);
  });
});

describe('signOut', () => {
  it('ends the session here, revokes its refresh token, and answers the provider’s sign-out', async () => {
    // Prepare
    const world = portalSessions();
    const { cookie } = await signedIn(world);

    // Act
    const next = await signOut(world.sessions, cookie);

    // Assess
    expect(next.toString()).toBe('https://login.example.test/logout?client_id=portal');
    expect(world.store.sessions.size).toBe(0);
    expect(world.identity.revoked).toEqual(['refresh-1']);
    expect(await currentSession(world.sessions, cookie)).toBeUndefined();
  });

  it('still signs out when the user pool does not take the revocation, and says so', async () => {
    // Prepare
    const world = portalSessions();
    const { cookie } = await signedIn(world);
    world.identity.provider.revokeRefreshToken = async () => {
      throw new Error('revocation endpoint answered 503');
    };
    const failures: unknown[] = [];

    // Act
    const next = await signOut(world.sessions, cookie, (error) => failures.push(error));

    // Assess
    expect(next.toString()).toBe('https://login.example.test/logout?client_id=portal');
    expect(await currentSession(world.sessions, cookie)).toBeUndefined();
    expect(failures).toHaveLength(1);
  });

  it('revokes nothing twice, nor for a session without a refresh token or no session', async () => {
    // Prepare
    const world = portalSessions();
    world.identity.provider.identity = {
      subject: 'sub-2',
      email: 'two@example.test',
      groups: ['assessors'],
    };
    const { cookie } = await signedIn(world);

    // Act
    await signOut(world.sessions, cookie);
    await signOut(world.sessions, cookie);
    await signOut(world.sessions, undefined);

    // Assess
    expect(world.identity.revoked).toEqual([]);
    expect(world.store.sessions.size).toBe(0);
  });
});
