import * as z from 'zod/mini';
import { readSecretString } from './secrets-extension.ts';

/** A webhook source's secret value: the current key and, during rotation, the previous one. */
const SourceSecretSchema = z.object({
  current: z.string().check(z.minLength(16)),
  previous: z.optional(z.string().check(z.minLength(16))),
});

/**
 * Reads the active signing secrets of a webhook source (one, or two during rotation);
 * the extension caches them for five minutes, so a rotation reaches every instance within
 * that. Unknown sources have none, which makes every signature fail the same way.
 */
export function sourceSecretReader(secretArnBySource: ReadonlyMap<string, string>) {
  return async (source: string): Promise<string[]> => {
    const arn = secretArnBySource.get(source);
    if (!arn) return [];
    const value = SourceSecretSchema.parse(JSON.parse(await readSecretString(arn)));
    return value.previous ? [value.current, value.previous] : [value.current];
  };
}

/**
 * Every source's active secrets at once, for a route any of several sources may sign: the
 * request is the one source's whose secret signed it.
 */
export function signingSourcesReader(secretArnBySource: ReadonlyMap<string, string>) {
  const secretsOf = sourceSecretReader(secretArnBySource);
  return () =>
    Promise.all(
      [...secretArnBySource.keys()].map(async (source) => ({
        source,
        secrets: await secretsOf(source),
      })),
    );
}

/**
 * The values the edge adds to the requests it passes on (`{"current", "previous"?}`, the
 * shape of a source's secrets), or none when the deployment has no edge.
 */
export function edgeOriginValuesReader(secretArn: string | undefined) {
  if (secretArn === undefined) return undefined;
  const valuesOf = sourceSecretReader(new Map([['edge', secretArn]]));
  return () => valuesOf('edge');
}
