/**
 * When a webhook delivery is tried again (docs/design.md §10): exponential backoff with
 * jitter, for at least 24 hours, then the dead-letter queue. Pure: the caller gives the
 * randomness.
 */
export const DELIVERY_SCHEDULE = {
  /** The nominal wait before the first retry; each later wait is `factor` times longer. */
  firstRetrySeconds: 30,
  factor: 4,
  /** No wait is nominally longer (SQS keeps a message invisible for 12 hours at most). */
  maxDelaySeconds: 6 * 3600,
  /** A wait is lengthened by up to this share of itself, at random. */
  jitter: 0.25,
  /** Attempts in all, the first included: nine retries, 26.8 hours of nominal waits. */
  maxAttempts: 10,
} as const;

/** The nominal wait after the `attempt`-th attempt failed (1-based), before any jitter. */
export function nominalRetryDelaySeconds(
  attempt: number,
  firstRetrySeconds: number = DELIVERY_SCHEDULE.firstRetrySeconds,
): number {
  const { factor, maxDelaySeconds } = DELIVERY_SCHEDULE;
  return Math.min(maxDelaySeconds, firstRetrySeconds * factor ** (attempt - 1));
}

/**
 * The wait after the `attempt`-th attempt failed, with jitter (`random()` in [0, 1)), in
 * whole seconds; undefined when that was the last attempt. Jitter only lengthens a wait,
 * so the schedule never ends sooner than its nominal 24 hours and more.
 */
export function retryDelaySeconds(
  attempt: number,
  random: () => number,
  firstRetrySeconds: number = DELIVERY_SCHEDULE.firstRetrySeconds,
): number | undefined {
  if (attempt >= DELIVERY_SCHEDULE.maxAttempts) return undefined;
  const nominal = nominalRetryDelaySeconds(attempt, firstRetrySeconds);
  return Math.ceil(nominal * (1 + DELIVERY_SCHEDULE.jitter * random()));
}

/** How an attempt went wrong, when it did: kept with the case, without the receiver's words. */
export type DeliveryErrorKind =
  | 'timeout'
  | 'network'
  | 'refused_address'
  | 'redirect'
  | 'http_status';

/** One attempt to deliver a webhook, as kept with its case. */
export interface DeliveryAttempt {
  at: string;
  attempt: number;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  error?: DeliveryErrorKind;
  outcome: DeliveryOutcome;
}

/** Delivered; tried again later; or given up (the dead-letter queue). */
export type DeliveryOutcome = 'delivered' | 'retry' | 'final';

/**
 * What an attempt's result means. A 2xx delivered it. A 4xx other than 408 and 429 says
 * the request itself is wrong, which a retry would not change; a redirect is not followed
 * (it would send the signed case where nobody configured it) and is as final; so is an
 * address that is refused. Everything else (5xx, 408, 429, timeouts, network errors) is
 * tried again.
 */
export function deliveryOutcome(result: {
  status?: number;
  error?: DeliveryErrorKind;
}): 'delivered' | 'retry' | 'final' {
  if (result.error === 'refused_address' || result.error === 'redirect') return 'final';
  if (result.status === undefined) return 'retry';
  if (result.status >= 200 && result.status < 300) return 'delivered';
  if (result.status >= 300 && result.status < 400) return 'final';
  if (result.status === 408 || result.status === 429) return 'retry';
  if (result.status >= 400 && result.status < 500) return 'final';
  return 'retry';
}
