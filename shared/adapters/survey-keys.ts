import * as z from 'zod/mini';
import { deriveSurveyKeys, type SurveyKeys } from '../domain/survey-token.ts';
import { readSecretString } from './secrets-extension.ts';

const SurveySecretSchema = z.object({ key: z.string().check(z.minLength(32)) });

/** The deployment's survey keys (token key, phone pepper), from its secret. */
export async function readSurveyKeys(secretArn: string): Promise<SurveyKeys> {
  const { key } = SurveySecretSchema.parse(JSON.parse(await readSecretString(secretArn)));
  return deriveSurveyKeys(key);
}
