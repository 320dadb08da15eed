import * as z from 'zod/mini';
import { deriveSurveyKeys, type SurveyKeys } from '../../domain/survey-token.ts';
import { readSecretString } from './secrets-extension.ts';

const SurveySecretSchema = z.object({ key: z.string().check(z.minLength(32)) });

/** Keys derived from the secret value last read: HKDF runs once, not per request or record. */
let derived: { secret: string; keys: SurveyKeys } | undefined;

/** The deployment's survey keys (token key, phone pepper, phone key), from its secret. */
export async function readSurveyKeys(secretArn: string): Promise<SurveyKeys> {
  const secret = await readSecretString(secretArn);
  if (derived?.secret !== secret) {
    const { key } = SurveySecretSchema.parse(JSON.parse(secret));
    derived = { secret, keys: deriveSurveyKeys(key) };
  }
  return derived.keys;
}
