import type { FieldError } from './validation.ts';

/** What the caller asked for does not exist (404 at the HTTP edge). */
export class NoSuchResourceError extends Error {
  override name = 'NoSuchResourceError';
}

/** Input that breaks the contract; `errors` points at each invalid field (400). */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  readonly errors: FieldError[];
  constructor(detail: string, errors: FieldError[]) {
    super(detail);
    this.errors = errors;
  }
}
