import * as z from 'zod/mini';
import {
  deriveSurveyKey,
  SURVEY_KEY_PURPOSES,
  type SurveyKeyPurpose,
  type SurveyKeys,
} from '../../domain/survey-token.ts';
import { readSecretString } from './secrets-extension.ts';

const SurveySecretSchema = z.object({ key: z.string().check(z.minLength(32)) });

/** Keys derived from each secret value last read: HKDF runs once, not per request or record. */
const derived = new Map<SurveyKeyPurpose, { secret: string; key: Buffer }>();

/** The key of one purpose, from that purpose's secret (`{"key": "…"}`). */
export async function readSurveyKey(purpose: SurveyKeyPurpose, secretArn: string): Promise<Buffer> {
  const secret = await readSecretString(secretArn);
  let entry = derived.get(purpose);
  if (entry?.secret !== secret) {
    const { key } = SurveySecretSchema.parse(JSON.parse(secret));
    entry = { secret, key: deriveSurveyKey(purpose, key) };
    derived.set(purpose, entry);
  }
  return entry.key;
}

/** The ARN of each purpose's secret, as the functions' environment names them. */
export type SurveyKeySecretArns = Readonly<Record<SurveyKeyPurpose, string>>;

/** All four keys, for the invitation intake (the only function that uses every purpose). */
export async function readSurveyKeys(secretArns: SurveyKeySecretArns): Promise<SurveyKeys> {
  const [invitationIdKey, tokenKey, phonePepper, phoneKey] = await Promise.all(
    SURVEY_KEY_PURPOSES.map((purpose) => readSurveyKey(purpose, secretArns[purpose])),
  );
  if (!invitationIdKey || !tokenKey || !phonePepper || !phoneKey) {
    throw new Error('a survey key is missing');
  }
  return { invitationIdKey, tokenKey, phonePepper, phoneKey };
}
