import { describe, expect, it } from 'vitest';
import { resolveReportRun } from '#shared/domain/report-run.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';

// 00:30 on 1 January 2027 in Shanghai; still 31 December 2026 in UTC.
const now = new Date('2026-12-31T16:30:00Z');
const resolve = (body: unknown) => resolveReportRun(body, BUILT_IN_PROFILES, now, 'Asia/Shanghai');

describe('resolveReportRun', () => {
  it('turns "previous" into the last complete period of the profile, in the reporting zone', () => {
    expect(resolve({ profile: 'baseline', period: 'previous' })).toEqual({
      success: true,
      profile: 'baseline',
      period: '2026-12',
    });
    expect(resolve({ profile: 'cn-miit', period: 'previous' })).toMatchObject({
      period: '2026-Q4',
    });
  });

  it('refuses a period of another kind than the profile, pointing at it', () => {
    expect(resolve({ profile: 'cn-miit', period: '2026-10' })).toEqual({
      success: false,
      errors: [{ pointer: '/period', detail: 'profile cn-miit reports by quarter' }],
    });
  });

  it('refuses an unknown profile, a malformed period and unknown fields', () => {
    const unknown = resolve({ profile: 'ofcom', period: '2026-Q3' });
    const malformed = resolve({ profile: 'baseline', period: 'October' });
    const extra = resolve({ profile: 'baseline', period: '2026-10', format: 'pdf' });

    expect(!unknown.success && unknown.errors[0]?.pointer).toBe('/profile');
    expect(!malformed.success && malformed.errors[0]?.pointer).toBe('/period');
    expect(extra.success).toBe(false);
  });
});
