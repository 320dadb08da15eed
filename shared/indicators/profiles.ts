/**
 * Report profiles: which indicators a regulator wants, their targets and period, as data
 * (docs/design.md §6, docs/regulatory-indicators.md §4). The built-in ones are JSON documents beside this file; an operator
 * adds its own as JSON documents in a directory named at deployment (`-c profilesDirectory=…`),
 * validated at synthesis and carried in the report functions' bundles, with no code change.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { GROUPS } from '../domain/people.ts';
import { type FieldError, fieldErrorsOf } from '../domain/validation.ts';
import { resolveIndicator } from './catalogue.ts';
import baseline from './profiles/baseline.json' with { type: 'json' };
import cnMiit from './profiles/cn-miit.json' with { type: 'json' };
import inTrai from './profiles/in-trai.json' with { type: 'json' };
import ukOfcom from './profiles/uk-ofcom.json' with { type: 'json' };

/** Cells with fewer observations are suppressed unless a profile says otherwise (docs/regulatory-indicators.md §2). */
export const DEFAULT_MIN_CELL = 10;

const TARGET_OPS = ['>=', '<=', '='] as const;
export type TargetOp = (typeof TARGET_OPS)[number];

const TargetSchema = z.strictObject({
  op: z.enum(TARGET_OPS, { error: `must be one of: ${TARGET_OPS.join(', ')}` }),
  value: z.number({ error: 'must be a finite number' }),
});

const IndicatorEntrySchema = z
  .strictObject({
    id: z.string().check(
      z.refine((id) => resolveIndicator(id) !== undefined, {
        error: 'is not an indicator of the catalogue',
      }),
    ),
    target: z.optional(TargetSchema),
    compareWithPrevious: z.optional(z.boolean()),
    rankBy: z.optional(z.literal('region', { error: 'must be region' })),
  })
  .check(
    z.refine(
      (entry) => {
        const value = entry.target?.value;
        return (
          value === undefined ||
          resolveIndicator(entry.id)?.unit !== '%' ||
          (value >= 0 && value <= 100)
        );
      },
      { error: 'a percentage target must be between 0 and 100', path: ['target', 'value'] },
    ),
  );

export const ProfileSchema = z.strictObject({
  id: z
    .string()
    .check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 characters of a-z 0-9 -')),
  name: z.strictObject({
    en: z.string().check(z.minLength(1, 'must not be empty')),
    'zh-CN': z.string().check(z.minLength(1, 'must not be empty')),
  }),
  period: z.enum(['month', 'quarter', 'year'], { error: 'must be one of: month, quarter, year' }),
  minCell: z._default(
    z.int({ error: 'must be a whole number' }).check(z.gte(1), z.lte(1_000_000)),
    DEFAULT_MIN_CELL,
  ),
  /**
   * The groups whose people are e-mailed when a report of the profile is published
   * (docs/design.md §7); regulators and assessors when absent.
   */
  audience: z.optional(
    z
      .array(z.enum(GROUPS, { error: `must be one of: ${GROUPS.join(', ')}` }))
      .check(z.minLength(1, 'must name at least one group')),
  ),
  indicators: z.array(IndicatorEntrySchema).check(
    z.minLength(1, 'must name at least one indicator'),
    z.refine(
      (entries) => new Set(entries.map((entry) => entry.id)).size === entries.length,
      'must not name an indicator twice',
    ),
  ),
});

/** A validated profile. */
export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileIndicator = Profile['indicators'][number];
export type Target = NonNullable<ProfileIndicator['target']>;

/** A profile document that does not validate; `errors` locate each problem by JSON pointer. */
export class InvalidProfileError extends Error {
  override readonly name = 'InvalidProfileError';
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(
      `invalid profile: ${errors.map((error) => `${error.pointer || '/'} ${error.detail}`).join('; ')}`,
    );
    this.errors = errors;
  }
}

/** Validates a profile document (an operator's own, or a built-in one); throws InvalidProfileError. */
export function parseProfile(json: unknown): Profile {
  const parsed = ProfileSchema.safeParse(json);
  if (!parsed.success) throw new InvalidProfileError(fieldErrorsOf(parsed.error));
  return parsed.data;
}

/** The ids of the profiles that ship with the product. */
export const BUILT_IN_PROFILE_IDS = ['cn-miit', 'in-trai', 'uk-ofcom', 'baseline'] as const;
export type BuiltInProfileId = (typeof BUILT_IN_PROFILE_IDS)[number];

/** The profiles that ship with the product, validated like any other at module load. */
export const BUILT_IN_PROFILES: Readonly<Record<BuiltInProfileId, Profile>> = Object.freeze({
  'cn-miit': parseProfile(cnMiit),
  'in-trai': parseProfile(inTrai),
  'uk-ofcom': parseProfile(ukOfcom),
  baseline: parseProfile(baseline),
});

/** Where a function's bundle carries the operator's own profiles (infra copies them there). */
export const OPERATOR_PROFILES_DIRECTORY = 'operator-profiles';

/**
 * The operator's own profiles: every `*.json` of a directory (none when it does not exist),
 * each validated, in file name order, with the path it was read from.
 */
export function readProfileDirectory(
  directory: string | URL,
): { path: string; profile: Profile }[] {
  if (!existsSync(directory)) return [];
  const root = directory instanceof URL ? fileURLToPath(directory) : directory;
  return readdirSync(root)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const path = join(root, file);
      try {
        return { path, profile: parseProfile(JSON.parse(readFileSync(path, 'utf8'))) };
      } catch (error) {
        const invalid =
          error instanceof InvalidProfileError
            ? error
            : new InvalidProfileError([{ pointer: '', detail: (error as Error).message }]);
        invalid.message = `${file}: ${invalid.message}`;
        throw invalid;
      }
    });
}

/** The built-in profiles and the operator's own in a directory: what a deployment reports by. */
export const profilesIn = (directory: string | URL) =>
  profilesWith(readProfileDirectory(directory).map(({ profile }) => profile));

/**
 * The profiles a deployment reports by: the built-in ones and the operator's own, which
 * may not reuse a built-in id or each other's.
 */
export function profilesWith(own: readonly Profile[]): Readonly<Record<string, Profile>> {
  const profiles: Record<string, Profile> = { ...BUILT_IN_PROFILES };
  for (const profile of own) {
    if (profiles[profile.id]) {
      throw new InvalidProfileError([
        { pointer: '/id', detail: `the profile id "${profile.id}" is taken` },
      ]);
    }
    profiles[profile.id] = profile;
  }
  return Object.freeze(profiles);
}
