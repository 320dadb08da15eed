import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QueuedReportRunSchema, resolveReportRun } from '#shared/domain/report-run.ts';
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

describe('QueuedReportRunSchema', () => {
  const bodies = (
    JSON.parse(
      readFileSync(new URL('../../events/report-schedule.sqs.json', import.meta.url), 'utf8'),
    ) as { Records: { body: string }[] }
  ).Records.map((record) => QueuedReportRunSchema.parse(JSON.parse(record.body)));

  it("reads a schedule's run, which has no run id, as a request to resolve", () => {
    const [scheduled] = bodies;
    expect(scheduled).toEqual({ profile: 'baseline', period: 'previous' });
    expect(resolve(scheduled)).toEqual({ success: true, profile: 'baseline', period: '2026-12' });
  });

  it('reads a run POST /reports/runs queued, with its run id and who asked', () => {
    const { runId, requestedBy, ...request } = bodies[1] ?? {};
    expect(runId).toBe('0b6f3c1e-8d2a-4f7b-9e5c-3a1d2b4c6e8f');
    expect(requestedBy).toBe('6a1c2e3f-0b4d-4e5f-8a9b-1c2d3e4f5a6b');
    expect(resolve(request)).toEqual({ success: true, profile: 'baseline', period: '2026-10' });
  });

  it('refuses a message whose run id is not text', () => {
    expect(QueuedReportRunSchema.safeParse({ runId: 7, profile: 'baseline' }).success).toBe(false);
  });
});

describe('resolveReportRun for people (bounded by the deployment first month)', () => {
  const bounded = (period: string, profile = 'baseline') =>
    resolveReportRun({ profile, period }, BUILT_IN_PROFILES, now, 'Asia/Shanghai', '2026-03');

  it('accepts the first period, one holding the first month, and the last complete one', () => {
    expect(bounded('2026-03')).toMatchObject({ success: true, period: '2026-03' });
    expect(bounded('2026-Q1', 'cn-miit')).toMatchObject({ success: true, period: '2026-Q1' });
    expect(bounded('2026-12')).toMatchObject({ success: true, period: '2026-12' });
    expect(bounded('previous')).toMatchObject({ success: true, period: '2026-12' });
  });

  it('refuses a period before the first month, the current one and the future, at /period', () => {
    for (const period of ['1970-01', '2026-02', '2027-01', '9999-12']) {
      const refused = bounded(period);
      expect(refused, period).toMatchObject({
        success: false,
        errors: [
          { pointer: '/period', detail: expect.stringContaining('last complete one, 2026-12') },
        ],
      });
    }
    expect(bounded('9999-Q4', 'cn-miit')).toMatchObject({ success: false });
  });
});
