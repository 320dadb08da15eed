import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ComplaintState } from '#shared/domain/complaint-lifecycle.ts';
import { parsePeriod } from '#shared/indicators/periods.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import { parseCsv } from '#shared/reports/csv.ts';
import {
  complaintPartName,
  complaintPartStream,
  EXTRACT_DESCRIPTION,
  EXTRACT_FILES,
  type ExtractSource,
  inputsFromExtract,
  renderExtract,
  SINGLE_COMPLAINTS_FILE,
} from '#shared/reports/report-extract.ts';
import type { ComplaintStatePage } from '#shared/use-cases/build-report.ts';

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
  subscribers: [
    { period: '2026-09', counts: undefined },
    { period: '2026-10', counts: [{ region: 'BJ', service: 'mobile_data', subscribers: 1.5e6 }] },
  ],
  pseudonymKey: key,
});

const complaints = [complaint, { ...complaint, complaintId: 'CMP-2', customerRef: undefined }];

/** A complaint part written from these pages, its gzipped bytes. */
async function partOf(pages: ComplaintStatePage[], key: Buffer): Promise<Buffer> {
  async function* handedOver() {
    yield* pages;
  }
  const chunks: Buffer[] = [];
  const tally = { rows: 0, lastEventAt: null };
  for await (const chunk of complaintPartStream(handedOver(), key, tally)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The extract's files: the rendered ones and October's complaint part. */
const filesOf = async (key: Buffer, states: ComplaintState[] = complaints) =>
  new Map([
    ...renderExtract(source(key)).map((file) => [file.name, file.body] as const),
    [
      complaintPartName('2026-10'),
      await partOf([{ orderedBy: 'createdAt', states }], key),
    ] as const,
  ]);

describe('the assessor extract', () => {
  it('reads back as exactly the inputs it was written from, period by period', async () => {
    const { current, previous, complaints } = inputsFromExtract(
      await filesOf(Buffer.alloc(32, 1)),
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

  it('reads a report built before follow-up cases, which has no cases file, as having none', async () => {
    const files = await filesOf(Buffer.alloc(32, 1));
    files.delete(EXTRACT_FILES.cases);

    const { current } = inputsFromExtract(
      files,
      parsePeriod('2026-10', 'Asia/Shanghai'),
      BUILT_IN_PROFILES.baseline,
    );

    expect(current.cases).toEqual([]);
    expect(current.responses).toHaveLength(1);
  });

  it('keeps of a case only its group and times, under a pseudonym of this report', async () => {
    const cases = async (key: Buffer) =>
      parseCsv(
        gunzipSync((await filesOf(key)).get(EXTRACT_FILES.cases) ?? Buffer.alloc(0)).toString(),
      );

    const rows = await cases(Buffer.alloc(32, 1));

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
    const again = new Set((await cases(Buffer.alloc(32, 2))).map((row) => row.case));
    expect(rows.some((row) => again.has(row.case ?? ''))).toBe(false);
  });

  it('writes only the complaint fields some figure reads: no customer, outcome or other times', async () => {
    // Prepare: a complaint with every field the lifecycle knows.
    const full: ComplaintState = {
      ...complaint,
      outcome: 'upheld',
      acknowledgedAt: '2026-10-01T03:17:09.123Z',
      escalatedAt: '2026-10-02T05:41:33.456Z',
    } as ComplaintState;
    // Act
    const text = gunzipSync(
      await partOf([{ orderedBy: 'createdAt', states: [full] }], Buffer.alloc(32, 1)),
    ).toString();
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

  it('gives the same bytes for the same rows and key, other pseudonyms for another key', async () => {
    const once = await filesOf(Buffer.alloc(32, 1));
    const again = await filesOf(Buffer.alloc(32, 1));
    const otherKey = await filesOf(Buffer.alloc(32, 2));

    const part = complaintPartName('2026-10');
    for (const name of [...Object.values(EXTRACT_FILES), part]) {
      expect(again.get(name)?.equals(once.get(name) ?? Buffer.alloc(0))).toBe(true);
    }
    const pseudonyms = (files: Map<string, Buffer>) =>
      parseCsv(gunzipSync(files.get(part) ?? Buffer.alloc(0)).toString()).map(
        (row) => row.complaint,
      );
    expect(pseudonyms(otherKey)).not.toEqual(pseudonyms(once));
    const text = gunzipSync(once.get(part) ?? Buffer.alloc(0)).toString();
    expect(text).not.toMatch(/CMP-|CUST-/);
  });

  it('orders a part by the sort key, then pseudonym: ties handed over in any order give the same bytes', async () => {
    // Prepare: three complaints created at the same instant and one later, as two pages.
    const tied = ['CMP-A', 'CMP-B', 'CMP-C'].map((complaintId) => ({ ...complaint, complaintId }));
    const later = { ...complaint, complaintId: 'CMP-D', createdAt: '2026-10-02T02:00:00.000Z' };
    const key = Buffer.alloc(32, 3);

    // Act: the store hands the ties over in two different orders.
    const once = await partOf(
      [
        { orderedBy: 'createdAt', states: tied },
        { orderedBy: 'createdAt', states: [later] },
      ],
      key,
    );
    const again = await partOf(
      [
        { orderedBy: 'createdAt', states: [...tied].reverse() },
        { orderedBy: 'createdAt', states: [later] },
      ],
      key,
    );

    // Assess
    expect(again.equals(once)).toBe(true);
    const rows = parseCsv(gunzipSync(once).toString());
    expect(rows.map((row) => row.createdAt)).toEqual([
      ...tied.map(() => '2026-10-01T02:00:00.000Z'),
      '2026-10-02T02:00:00.000Z',
    ]);
    const ties = rows.slice(0, 3).map((row) => row.complaint ?? '');
    expect(ties).toEqual([...ties].sort());
  });

  it('counts the rows of a part and their latest event as it writes them', async () => {
    const tally = { rows: 0, lastEventAt: null as string | null };
    async function* pages(): AsyncGenerator<ComplaintStatePage> {
      yield { orderedBy: 'createdAt', states: complaints };
      yield {
        orderedBy: 'firstResolvedAt',
        states: [{ ...complaint, complaintId: 'CMP-9', lastEventAt: '2026-10-09T00:00:00.000Z' }],
      };
    }

    for await (const _ of complaintPartStream(pages(), Buffer.alloc(32), tally));

    expect(tally).toEqual({ rows: 3, lastEventAt: '2026-10-09T00:00:00.000Z' });
  });

  it('reads every part as the complaint rows, and a report from before parts by its one file', async () => {
    // Prepare: October's two complaints in two parts, and the same rows as one old file.
    const key = Buffer.alloc(32, 1);
    const [first, second] = complaints as [ComplaintState, ComplaintState];
    const parts = await filesOf(key, [first]);
    parts.set(
      complaintPartName('2026-09'),
      await partOf([{ orderedBy: 'firstResolvedAt', states: [second] }], key),
    );
    const single = await filesOf(key);
    const octoberPart = single.get(complaintPartName('2026-10')) ?? Buffer.alloc(0);
    single.delete(complaintPartName('2026-10'));
    single.set(SINGLE_COMPLAINTS_FILE, octoberPart);
    const period = parsePeriod('2026-10', 'Asia/Shanghai');

    // Act
    const fromParts = inputsFromExtract(parts, period, BUILT_IN_PROFILES.baseline);
    const fromSingle = inputsFromExtract(single, period, BUILT_IN_PROFILES.baseline);

    // Assess: the same rows and figures either way.
    expect(fromParts.complaints).toHaveLength(2);
    expect(fromSingle.complaints).toHaveLength(2);
    expect(fromParts.current.complaints).toEqual(fromSingle.current.complaints);
  });

  it('refuses an extract that lacks a part its manifest lists', async () => {
    const files = await filesOf(Buffer.alloc(32, 1));
    const listed = [...files.keys(), complaintPartName('2026-09')].map((name) => ({ name }));
    files.set('manifest.json', Buffer.from(JSON.stringify({ files: listed })));

    expect(() =>
      inputsFromExtract(files, parsePeriod('2026-10', 'Asia/Shanghai'), BUILT_IN_PROFILES.baseline),
    ).toThrow(/no extract\/complaints\/2026-09\.csv\.gz/);
  });

  it('parses quoted fields, doubled quotes, line breaks in quotes, CRLF and LF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n"two\nlines",\n')).toEqual([
      { a: 'x, y', b: 'say "hi"' },
      { a: 'two\nlines', b: '' },
    ]);
  });
});
