import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';

/** A webhook source's secret value: the current key and, during rotation, the previous one. */
const SourceSecretSchema = z.object({
  current: z.string().check(z.minLength(16)),
  previous: z.optional(z.string().check(z.minLength(16))),
});

/** How long a fetched secret is reused: a rotation reaches every instance within this. */
const CACHE_MILLISECONDS = 300_000;

/**
 * Reads the active signing secrets of a webhook source (one, or two during rotation),
 * cached per source for five minutes. Unknown sources have none, which makes every
 * signature fail the same way.
 */
export function sourceSecretReader(
  secretArnBySource: ReadonlyMap<string, string>,
  client = new SecretsManagerClient({}),
) {
  const cache = new Map<string, { secrets: string[]; fetchedAt: number }>();
  return async (source: string): Promise<string[]> => {
    const arn = secretArnBySource.get(source);
    if (!arn) return [];
    const cached = cache.get(source);
    if (cached && Date.now() - cached.fetchedAt < CACHE_MILLISECONDS) return cached.secrets;
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const value = SourceSecretSchema.parse(JSON.parse(SecretString ?? '{}'));
    const secrets = value.previous ? [value.current, value.previous] : [value.current];
    cache.set(source, { secrets, fetchedAt: Date.now() });
    return secrets;
  };
}
