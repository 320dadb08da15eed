import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
} from 'node:crypto';

/** Survey links expire after seven days unless configured otherwise (docs/design.md §4.4). */
export const DEFAULT_TOKEN_TTL_DAYS = 7;

/**
 * What the survey keys are for, each with a secret of its own (docs/design.md §5): one
 * leaked secret gives away one purpose, never another.
 */
export const SURVEY_KEY_PURPOSES = [
  'invitation-id',
  'survey-token',
  'phone-hash',
  'phone-encryption',
] as const;
export type SurveyKeyPurpose = (typeof SURVEY_KEY_PURPOSES)[number];

/** The keys of the survey flows, one per purpose, each from its own secret. */
export interface SurveyKeys {
  /** Derives an invitation's id from its source and event (one id per event). */
  invitationIdKey: Buffer;
  tokenKey: Buffer;
  phonePepper: Buffer;
  /** AES-256-GCM key for the phone number an SMS invitation keeps until it is sent. */
  phoneKey: Buffer;
}

/**
 * The key of one purpose from that purpose's secret (HKDF-SHA256, the purpose as its
 * info): the same derivation each purpose's key always had, so a deployment that copies
 * its former single secret into a purpose's secret keeps that purpose's values.
 */
export function deriveSurveyKey(purpose: SurveyKeyPurpose, secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'telecom-service-quality', purpose, 32));
}

/** The four keys of the invitation intake, from the four purposes' secrets. */
export function deriveSurveyKeys(secrets: Readonly<Record<SurveyKeyPurpose, string>>): SurveyKeys {
  return {
    invitationIdKey: deriveSurveyKey('invitation-id', secrets['invitation-id']),
    tokenKey: deriveSurveyKey('survey-token', secrets['survey-token']),
    phonePepper: deriveSurveyKey('phone-hash', secrets['phone-hash']),
    phoneKey: deriveSurveyKey('phone-encryption', secrets['phone-encryption']),
  };
}

/**
 * The id of the invitation an operator's event creates: HMAC-SHA256 of the source and the
 * event id under the deployment's key, 128 bits, URL-safe. One event, one id: the
 * invitation item itself makes a repeated event a duplicate, with no record beside it,
 * and nobody without the key can tell an id from the event it came from.
 */
export function invitationIdFor(invitationIdKey: Buffer, source: string, eventId: string): string {
  return createHmac('sha256', invitationIdKey)
    .update(`${source}\n${eventId}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/**
 * The survey token of an invitation: HMAC-SHA256 of its id under the token key, URL-safe.
 * Unguessable without the key, never stored (only its hash is), and the same every time
 * it is derived, so a repeated invitation request answers the same link.
 */
export function surveyTokenFor(tokenKey: Buffer, invitationId: string): string {
  return createHmac('sha256', tokenKey).update(invitationId).digest('base64url');
}

/** An invitation's survey link under the deployment's base URL (docs/design.md §3). */
export function surveyUrlFor(
  surveyBaseUrl: string,
  tokenKey: Buffer,
  invitationId: string,
): string {
  return `${surveyBaseUrl.replace(/\/$/, '')}/s/${surveyTokenFor(tokenKey, invitationId)}`;
}

/** The stored form of a token: its SHA-256, so a table dump reveals no usable link. */
export function hashSurveyToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A survey token as issued: 256 bits, base64url (docs/design.md §4.4). */
export const SURVEY_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Whether a string could be a token at all; anything else is unknown without a lookup. */
export function looksLikeSurveyToken(value: string): boolean {
  return SURVEY_TOKEN_PATTERN.test(value);
}

/**
 * The keyed hash that matches an inbound SMS to its invitation without storing the
 * number: HMAC-SHA256 with a secret pepper over the E.164 number.
 */
export function phoneHash(pepper: Buffer | string, e164: string): string {
  return createHmac('sha256', pepper).update(e164).digest('base64url');
}

/**
 * Encrypts a phone number for the invitation that will send to it (AES-256-GCM, bound to
 * the invitation id). The key is derived from the phone-encryption secret, which KMS
 * encrypts at rest in Secrets Manager: envelope encryption under the deployment's data key.
 */
export function encryptPhone(phoneKey: Buffer, invitationId: string, e164: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', phoneKey, iv).setAAD(Buffer.from(invitationId));
  const sealed = Buffer.concat([cipher.update(e164, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

/** Decrypts what `encryptPhone` sealed for the same invitation; throws if altered. */
export function decryptPhone(phoneKey: Buffer, invitationId: string, sealed: string): string {
  if (!sealed.startsWith('v1.')) throw new Error('unknown phone ciphertext version');
  const bytes = Buffer.from(sealed.slice(3), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', phoneKey, bytes.subarray(0, 12))
    .setAAD(Buffer.from(invitationId))
    .setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}
