import { DependencyUnavailableError } from '../adapters/errors.ts';
import { InvalidInputError, NoSuchResourceError } from '../domain/errors.ts';
import { NotPermittedError } from '../domain/people.ts';
import type { FieldError } from '../domain/validation.ts';

/** An RFC 9457 problem details document. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  /** Why a request was suppressed (409). */
  reason?: string;
}

/** A refusal the caller can act on; mapped to `application/problem+json` in one place. */
export class HttpProblemError extends Error {
  override name = 'HttpProblemError';
  readonly problem: ProblemDetails;
  constructor(problem: ProblemDetails) {
    super(problem.detail);
    this.problem = problem;
  }
}

const problemType = (slug: string) => `urn:telecom-service-quality:problem:${slug}`;

/** 400: the body is not valid; `errors` points at each invalid field. */
export class ValidationError extends HttpProblemError {
  override name = 'ValidationError';
  constructor(detail: string, errors: FieldError[] = []) {
    super({
      type: problemType('validation'),
      title: 'Invalid request',
      status: 400,
      detail,
      errors,
    });
  }
}

/** 401: missing, malformed, wrong or expired signature; says nothing about which. */
export class UnauthenticatedError extends HttpProblemError {
  override name = 'UnauthenticatedError';
  constructor() {
    super({
      type: problemType('unauthenticated'),
      title: 'Unauthenticated',
      status: 401,
      detail: 'The request signature is missing, malformed, expired or wrong.',
    });
  }
}

/** 401 for people: no verified identity reached the function (the JWT authorizer's job). */
export class SignInRequiredError extends HttpProblemError {
  override name = 'SignInRequiredError';
  constructor() {
    super({
      type: problemType('sign-in-required'),
      title: 'Sign-in required',
      status: 401,
      detail: 'This request needs a valid access token from the user pool.',
    });
  }
}

/** 403: signed in, but not in a group that may do this (docs/design.md §4.3). */
export class ForbiddenError extends HttpProblemError {
  override name = 'ForbiddenError';
  constructor(allowedGroups: readonly string[]) {
    super({
      type: problemType('forbidden'),
      title: 'Forbidden',
      status: 403,
      detail: `Only members of ${allowedGroups.join(' or ')} may do this.`,
    });
  }
}

/** 403: an operator route called from outside the operator's networks (`operatorSourceCidrs`). */
export class SourceNotAllowedError extends HttpProblemError {
  override name = 'SourceNotAllowedError';
  constructor() {
    super({
      type: problemType('source-not-allowed'),
      title: 'Source not allowed',
      status: 403,
      detail: "This route may be called only from the operator's own networks.",
    });
  }
}

/**
 * 403: a public route called straight at the HTTP API's own URL when the deployment puts
 * it behind its edge (CloudFront and AWS WAF), which such a request would pass around.
 */
export class NotThroughEdgeError extends HttpProblemError {
  override name = 'NotThroughEdgeError';
  constructor() {
    super({
      type: problemType('not-through-edge'),
      title: 'Not through the edge',
      status: 403,
      detail: "This route is served only at the deployment's public address.",
    });
  }
}

/** 404: no such report, or no such file in it. */
export class NotFoundError extends HttpProblemError {
  override name = 'NotFoundError';
  constructor(detail: string) {
    super({ type: problemType('not-found'), title: 'Not found', status: 404, detail });
  }
}

/** 413: body over the API's limit. */
export class PayloadTooLargeError extends HttpProblemError {
  override name = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super({
      type: problemType('payload-too-large'),
      title: 'Payload too large',
      status: 413,
      detail: `The body exceeds ${limitBytes} bytes.`,
    });
  }
}

/** 415: a content type the route does not accept. */
export class UnsupportedMediaTypeError extends HttpProblemError {
  override name = 'UnsupportedMediaTypeError';
  constructor(accepted: string) {
    super({
      type: problemType('unsupported-media-type'),
      title: 'Unsupported media type',
      status: 415,
      detail: `The body must be ${accepted}.`,
    });
  }
}

/** 503: a dependency failed; the caller should retry with the same event ids. */
export class ServiceUnavailableError extends HttpProblemError {
  override name = 'ServiceUnavailableError';
  constructor(detail: string) {
    super({ type: problemType('unavailable'), title: 'Service unavailable', status: 503, detail });
  }
}

/** 409: policy forbids the request (opt-out, frequency cap, quiet hours); `reason` says which. */
export class SuppressedError extends HttpProblemError {
  override name = 'SuppressedError';
  constructor(reason: string) {
    super({
      type: problemType('suppressed'),
      title: 'Suppressed',
      status: 409,
      detail: `The customer may not be invited now: ${reason.replace('_', ' ')}.`,
      reason,
    });
  }
}

/**
 * The refusal an error stands for: an HTTP refusal as it is, a domain or infrastructure
 * error the caller can act on as its problem; undefined for anything else (a 500).
 */
export function refusalOf(error: unknown): HttpProblemError | undefined {
  if (error instanceof HttpProblemError) return error;
  if (error instanceof DependencyUnavailableError)
    return new ServiceUnavailableError(error.message);
  if (error instanceof NotPermittedError) return new ForbiddenError(error.allowed);
  if (error instanceof NoSuchResourceError) return new NotFoundError(error.message);
  if (error instanceof InvalidInputError) return new ValidationError(error.message, error.errors);
  return undefined;
}

/** The answer to anything unexpected: a 500 that reveals nothing internal. */
export const internalErrorProblem: ProblemDetails = {
  type: problemType('internal'),
  title: 'Internal error',
  status: 500,
  detail: 'The request could not be completed. Retrying with the same event ids is safe.',
};
