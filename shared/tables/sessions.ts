import { TTL_ATTRIBUTE, tableDesign } from './table.ts';

/**
 * The portal's sessions table (docs/data-model.md): server-side sessions of signed-in
 * people and the sign-ins under way, both keyed by the SHA-256 of what their cookie
 * holds (the cookie alone can find them), both expiring by TTL.
 */
export const SESSIONS_TABLE = /* @__PURE__ */ tableDesign({
  timeToLiveAttribute: TTL_ATTRIBUTE,
  indexes: {
    /** A person's sessions, ended when an admin removes them from a group. */
    bySubject: { name: 'bySubject', partitionKey: 'subject', keysOnly: true },
  },
});

/** Key layout of the sessions table. */
export const sessionKeys = {
  session: (cookieHash: string) => ({ pk: `SESSION#${cookieHash}`, sk: 'SESSION' }),
  signIn: (cookieHash: string) => ({ pk: `SIGNIN#${cookieHash}`, sk: 'SIGNIN' }),
};
