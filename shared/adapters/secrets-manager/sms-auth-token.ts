import * as z from 'zod/mini';
import { readSecretString } from './secrets-extension.ts';

/** The SMS gateway's secret: the auth token it signs inbound webhooks with. */
const SmsAuthTokenSecretSchema = z.object({ authToken: z.string() });

/** The SMS gateway's auth token, through the extension's cache (docs/design.md §4.2). */
export async function readSmsAuthToken(secretArn: string): Promise<string> {
  return SmsAuthTokenSecretSchema.parse(JSON.parse(await readSecretString(secretArn))).authToken;
}
