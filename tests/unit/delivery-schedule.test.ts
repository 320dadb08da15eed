import { describe, expect, it } from 'vitest';
import {
  DELIVERY_SCHEDULE,
  deliveryOutcome,
  nominalRetryDelaySeconds,
  retryDelaySeconds,
} from '#shared/domain/delivery-schedule.ts';

/** The waits of a whole schedule, with a fixed randomness. */
function waits(random: () => number, firstRetrySeconds?: number) {
  const all: number[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const wait = retryDelaySeconds(attempt, random, firstRetrySeconds);
    if (wait === undefined) return all;
    all.push(wait);
  }
}

describe('the delivery retry schedule', () => {
  it('backs off exponentially up to its cap', () => {
    // Act
    const nominal = [1, 2, 3, 4, 5, 6, 7].map((attempt) => nominalRetryDelaySeconds(attempt));

    // Assess
    expect(nominal).toEqual([30, 120, 480, 1920, 7680, 21_600, 21_600]);
  });

  it('keeps trying for at least 24 hours, even with the least jitter', () => {
    // Act
    const least = waits(() => 0);
    const most = waits(() => 0.999);

    // Assess
    expect(least).toHaveLength(DELIVERY_SCHEDULE.maxAttempts - 1);
    expect(least.reduce((sum, wait) => sum + wait, 0)).toBeGreaterThanOrEqual(24 * 3600);
    // Each wait stays within what SQS can hold a message invisible for (12 hours).
    expect(Math.max(...most)).toBeLessThanOrEqual(12 * 3600);
  });

  it('spreads retries by jitter that only lengthens a wait', () => {
    // Act
    const early = retryDelaySeconds(3, () => 0);
    const late = retryDelaySeconds(3, () => 0.999);

    // Assess
    expect(early).toBe(480);
    expect(late).toBeGreaterThan(590);
    expect(late).toBeLessThanOrEqual(600);
  });

  it('stops after the last attempt', () => {
    // Act and Assess
    expect(retryDelaySeconds(DELIVERY_SCHEDULE.maxAttempts, () => 0.5)).toBeUndefined();
  });

  it('starts from a shorter first wait where the sandbox sets one', () => {
    // Act and Assess
    expect(waits(() => 0, 1).slice(0, 3)).toEqual([1, 4, 16]);
  });
});

describe('deliveryOutcome', () => {
  it('delivers on 2xx, retries 5xx, 408, 429 and network failures, gives up on other 4xx', () => {
    // Act and Assess
    expect(deliveryOutcome({ status: 200 })).toBe('delivered');
    expect(deliveryOutcome({ status: 204 })).toBe('delivered');
    expect(deliveryOutcome({ status: 500 })).toBe('retry');
    expect(deliveryOutcome({ status: 503 })).toBe('retry');
    expect(deliveryOutcome({ status: 408 })).toBe('retry');
    expect(deliveryOutcome({ status: 429 })).toBe('retry');
    expect(deliveryOutcome({ error: 'timeout' })).toBe('retry');
    expect(deliveryOutcome({ error: 'network' })).toBe('retry');
    expect(deliveryOutcome({ status: 400 })).toBe('final');
    expect(deliveryOutcome({ status: 410 })).toBe('final');
  });

  it('follows no redirect and never retries a refused address', () => {
    // Act and Assess
    expect(deliveryOutcome({ status: 302, error: 'redirect' })).toBe('final');
    expect(deliveryOutcome({ error: 'refused_address' })).toBe('final');
  });
});
