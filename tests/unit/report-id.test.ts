import { describe, expect, it } from 'vitest';
import { looksLikeReportId, newReportId } from '#shared/domain/report-id.ts';

describe('newReportId', () => {
  it('starts with the build time to the second and ends unguessably', () => {
    const at = new Date('2026-11-25T21:30:00.123Z');
    const first = newReportId(at);
    expect(first).toMatch(/^20261125T213000Z-[0-9a-f]{12}$/);
    expect(newReportId(at)).not.toBe(first);
  });

  it('makes ids that sort as their build times do', () => {
    const earlier = newReportId(new Date('2026-09-30T23:59:59Z'));
    const later = newReportId(new Date('2026-10-01T00:00:00Z'));
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });
});

describe('looksLikeReportId', () => {
  it('accepts what newReportId makes and refuses anything else', () => {
    expect(looksLikeReportId(newReportId(new Date()))).toBe(true);
    expect(looksLikeReportId('20261125T213000Z-1f2e3d4c5b6')).toBe(false);
    expect(looksLikeReportId('../20261125T213000Z-1f2e3d4c5b6a')).toBe(false);
    expect(looksLikeReportId('20261125T213000Z-1F2E3D4C5B6A')).toBe(false);
  });
});
