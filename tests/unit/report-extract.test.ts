import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ComplaintState } from '#shared/domain/complaint-lifecycle.ts';
import { parsePeriod } from '#shared/indicators/periods.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import { parseCsv } from '#shared/reports/csv.ts';
import {
  EXTRACT_DESCRIPTION,
  EXTRACT_FILES,
  type ExtractSource,
  inputsFromExtract,
  renderExtract,
} from '#shared/reports/report-extract.ts';

const complaint: ComplaintState = {
  complaintId: 'CMP-1',
  kind: 'complaint',
  category: 'billing',
  region: 'GD-SZ, "north"',
  service: 'mobile_data',
  via: 'direct',
  customerRef: 'CUST-9',
  status: 'resolved',
  createdAt: '2026-10-01T02:00:00.000Z',
  firstResolvedAt: '2026-10-03T02:00:00.000Z',
  lastResolvedAt: '2026-10-03T02:00:00.000Z',
  reopenCount: 0,
  lastEventAt: '2026-10-03T02:00:00.000Z',
  eventCount: 2,
};

const source = (key: Buffer): ExtractSource => ({
  responses: [
    {
      day: '2026-10-05',
      region: 'BJ',
      service: 'mobile_data',
      touchpoint: 'store',
      channel: 'web',
      counts: { responses: 3, csat_5: 2, csat_1: 1, nps_10: 3 },
    },
    {
      day: '2026-09-30',
      region: 'BJ',
      service: 'mobile_data',
      touchpoint: 'store',
      channel: 'sms',
      counts: { responses: 1, csat_4: 1 },
    },
  ],
  invitations: [
    {
      day: '2026-10-04',
      region: 'BJ',
      service: 'mobile_data',
      touchpoint: 'store',
      channel: 'web',
      sent: 4,
      answered: 3,
    },
  ],
  cases: [
    {
      caseId: 'INVITATION#inv-case-1',
      region: 'BJ',
      service: 'mobile_data',
      touchpoint: 'store',
      channel: 'sms',
      // 23:30 on 30 September in Beijing: September's case, contacted in October.
      answeredAt: '2026-09-30T15:30:00.000Z',
      firstContactedAt: '2026-10-01T01:00:00.000Z',
    },
    {
      caseId: 'INVITATION#inv-case-2',
      region: 'BJ',
      service: 'mobile_data',
      touchpoint: 'store',
      channel: 'web',
      answeredAt: '2026-10-05T02:00:00.000Z',
    },
  ],
  complaints: [complaint, { ...complaint, complaintId: 'CMP-2', customerRef: undefined }],
  subscribers: [
    { period: '2026-09', counts: undefined },
    { period: '2026-10', counts: [{ region: 'BJ', service: 'mobile_data', subscribers: 1.5e6 }] },
  ],
  pseudonymKey: key,
});

const filesOf = (key: Buffer) =>
  new Map(renderExtract(source(key)).map((file) => [file.name, file.body]));

describe('the assessor extract', () => {
  it('reads back as exactly the inputs it was written from, period by period', () => {
    const { current, previous, complaints } = inputsFromExtract(
      filesOf(Buffer.alloc(32, 1)),
      parsePeriod('2026-10', 'Asia/Shanghai'),
      BUILT_IN_PROFILES.baseline,
    );

    expect(current.responses).toEqual([
      expect.objectContaining({
        day: '2026-10-05',
        channel: 'web',
        counts: expect.objectContaining({
          responses: 3,
          csat_5: 2,
          csat_1: 1,
          nps_10: 3,
          nps_0: 0,
        }),
      }),
    ]);
    expect(previous.responses.map((row) => row.day)).toEqual(['2026-09-30']);
    expect(current.invitations).toEqual([source(Buffer.alloc(32)).invitations[0]]);
    expect(current.subscribers).toEqual([
      { region: 'BJ', service: 'mobile_data', subscribers: 1_500_000 },
    ]);
    expect(previous.subscribers).toBeUndefined();
    // A region with a comma and quotes survives RFC 4180 quoting; the id does not appear.
    const [first] = complaints;
    expect(first).toMatchObject({
      region: 'GD-SZ, "north"',
      createdAt: '2026-10-01T02:00:00.000Z',
      firstResolvedAt: '2026-10-03T02:00:00.000Z',
    });
    expect(first?.complaintId).toMatch(/^[0-9a-f]{32}$/);
    expect(complaints.every((state) => state.customerRef === undefined)).toBe(true);
    // Cases by their answer's period in the zone; the never-contacted one stays so.
    expect(current.cases).toEqual([
      {
        caseId: expect.stringMatching(/^[0-9a-f]{32}$/),
        region: 'BJ',
        service: 'mobile_data',
        touchpoint: 'store',
        channel: 'web',
        answeredAt: '2026-10-05T02:00:00.000Z',
      },
    ]);
    expect(previous.cases).toEqual([
      expect.objectContaining({
        answeredAt: '2026-09-30T15:30:00.000Z',
        firstContactedAt: '2026-10-01T01:00:00.000Z',
      }),
    ]);
  });

  it('reads a report built before follow-up cases, which has no cases file, as having none', () => {
    const files = filesOf(Buffer.alloc(32, 1));
    files.delete(EXTRACT_FILES.cases);

    const { current } = inputsFromExtract(
      files,
      parsePeriod('2026-10', 'Asia/Shanghai'),
      BUILT_IN_PROFILES.baseline,
    );

    expect(current.cases).toEqual([]);
    expect(current.responses).toHaveLength(1);
  });

  it('keeps of a case only its group and times, under a pseudonym of this report', () => {
    const cases = (key: Buffer) =>
      parseCsv(gunzipSync(filesOf(key).get(EXTRACT_FILES.cases) ?? Buffer.alloc(0)).toString());

    const rows = cases(Buffer.alloc(32, 1));

    expect(Object.keys(rows[0] ?? {})).toEqual([
      'case',
      'region',
      'service',
      'touchpoint',
      'channel',
      'answeredAt',
      'firstContactedAt',
    ]);
    expect(rows.map((row) => row.case)).not.toContain('INVITATION#inv-case-1');
    const again = new Set(cases(Buffer.alloc(32, 2)).map((row) => row.case));
    expect(rows.some((row) => again.has(row.case ?? ''))).toBe(false);
  });

  it('writes only the complaint fields some figure reads: no customer, outcome or other times', () => {
    // Prepare: a complaint with every field the lifecycle knows.
    const full: ComplaintState = {
      ...complaint,
      outcome: 'upheld',
      acknowledgedAt: '2026-10-01T03:17:09.123Z',
      escalatedAt: '2026-10-02T05:41:33.456Z',
    } as ComplaintState;
    const files = new Map(
      renderExtract({ ...source(Buffer.alloc(32, 1)), complaints: [full] }).map((file) => [
        file.name,
        file.body,
      ]),
    );

    // Act
    const text = gunzipSync(files.get(EXTRACT_FILES.complaints) ?? Buffer.alloc(0)).toString();
    const [header] = text.split(/\r?\n/);

    // Assess
    expect(header?.split(',')).toEqual([
      'complaint',
      'kind',
      'category',
      'region',
      'service',
      'via',
      'status',
      'createdAt',
      'firstResolvedAt',
      'lastResolvedAt',
      'reopenedAt',
      'closedAt',
      'lastEventAt',
    ]);
    expect(text).not.toMatch(/CUST-|upheld|03:17:09|05:41:33/);
  });

  it('states in the methodology what stays linkable across reports, and why', () => {
    expect(EXTRACT_DESCRIPTION.linkability).toMatch(/exact lifecycle times/);
    expect(EXTRACT_DESCRIPTION.linkability).toMatch(/no row names a customer/);
    expect(EXTRACT_DESCRIPTION.pseudonymisation).not.toMatch(/customer/);
  });

  it('gives the same bytes for the same rows and key, other pseudonyms for another key', () => {
    const once = filesOf(Buffer.alloc(32, 1));
    const again = filesOf(Buffer.alloc(32, 1));
    const otherKey = filesOf(Buffer.alloc(32, 2));

    for (const name of Object.values(EXTRACT_FILES)) {
      expect(again.get(name)?.equals(once.get(name) ?? Buffer.alloc(0))).toBe(true);
    }
    const pseudonyms = (files: Map<string, Buffer>) =>
      parseCsv(gunzipSync(files.get(EXTRACT_FILES.complaints) ?? Buffer.alloc(0)).toString()).map(
        (row) => row.complaint,
      );
    expect(pseudonyms(otherKey)).not.toEqual(pseudonyms(once));
    const text = gunzipSync(once.get(EXTRACT_FILES.complaints) ?? Buffer.alloc(0)).toString();
    expect(text).not.toMatch(/CMP-|CUST-/);
  });

  it('parses quoted fields, doubled quotes, line breaks in quotes, CRLF and LF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n"two\nlines",\n')).toEqual([
      { a: 'x, y', b: 'say "hi"' },
      { a: 'two\nlines', b: '' },
    ]);
  });
});
