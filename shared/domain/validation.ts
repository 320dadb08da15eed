import type { core } from 'zod/mini';

/** One invalid field, located by an RFC 6901 JSON pointer. */
export interface FieldError {
  pointer: string;
  detail: string;
}

/** Encodes a path as an RFC 6901 JSON pointer (`~` and `/` escaped). */
export function toJsonPointer(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('');
}

/** Messages for the issues whose schema gives none (zod/mini ships no locale text). */
function describe(issue: core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${issue.expected}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

/** Flattens zod issues into one field error per invalid (or unknown) field. */
export function fieldErrorsOf(error: core.$ZodError): FieldError[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          pointer: toJsonPointer([...issue.path, key]),
          detail: 'unknown field',
        }))
      : [
          {
            pointer: toJsonPointer(issue.path),
            detail:
              issue.message && issue.message !== 'Invalid input' ? issue.message : describe(issue),
          },
        ],
  );
}
