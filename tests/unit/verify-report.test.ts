import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '#shared/reports/report-files.ts';
import { verifyReport } from '#shared/reports/verify-report.ts';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();

/** A report as the builder writes it: files, a manifest of their hashes, its signature. */
function signedReport(extra: ReadonlyMap<string, Buffer> = new Map()) {
  const files = new Map([
    ['report.json', Buffer.from('{"schema":"quality-report/v1"}\n')],
    ['indicators.csv', Buffer.from('\uFEFFindicator,value\r\nsurvey.csat_pct,80\r\n')],
    ...extra,
  ]);
  const manifest = Buffer.from(
    JSON.stringify({
      files: [...files].map(([name, body]) => ({
        name,
        bytes: body.length,
        sha256: sha256Hex(body),
      })),
    }),
  );
  const signature = sign('sha256', manifest, privateKey).toString('base64');
  return { files, manifest, signature, publicKeyPem };
}

describe('verifyReport', () => {
  it('accepts a report whose signature and files all check', () => {
    const result = verifyReport(signedReport());

    expect(result).toEqual({
      signatureValid: true,
      ok: true,
      files: [
        { name: 'report.json', ok: true, checked: true },
        { name: 'indicators.csv', ok: true, checked: true },
      ],
    });
  });

  it('names the file that was changed after signing', () => {
    const report = signedReport();
    report.files.set(
      'indicators.csv',
      Buffer.from('\uFEFFindicator,value\r\nsurvey.csat_pct,95\r\n'),
    );

    const result = verifyReport(report);

    expect(result.ok).toBe(false);
    expect(result.signatureValid).toBe(true);
    expect(result.files.find((file) => !file.ok)).toEqual({
      name: 'indicators.csv',
      ok: false,
      checked: true,
      problem: 'SHA-256 differs from the manifest',
    });
  });

  it('refuses a manifest changed after signing, and a missing file', () => {
    const report = signedReport();
    const forged = Buffer.from(report.manifest.toString().replace('"bytes":', '"bytes": '));
    report.files.delete('report.json');

    const result = verifyReport({ ...report, manifest: forged });

    expect(result.signatureValid).toBe(false);
    expect(result.files[0]).toEqual({
      name: 'report.json',
      ok: false,
      checked: false,
      problem: 'missing',
    });
    expect(result.ok).toBe(false);
  });

  it("verifies a regulator's download without the extract, and an assessor's with it", () => {
    const report = signedReport(new Map([['extract/responses.csv.gz', Buffer.from([31, 139])]]));
    const regulator = new Map(report.files);
    regulator.delete('extract/responses.csv.gz');
    const tampered = new Map(report.files).set('extract/responses.csv.gz', Buffer.from([31, 140]));

    const asRegulator = verifyReport({ ...report, files: regulator });
    const asAssessor = verifyReport(report);
    const changed = verifyReport({ ...report, files: tampered });

    expect(asRegulator.ok).toBe(true);
    expect(asRegulator.files.find((file) => file.name.startsWith('extract/'))).toEqual({
      name: 'extract/responses.csv.gz',
      ok: true,
      checked: false,
      problem: 'not downloaded (for assessors only)',
    });
    expect(asAssessor.ok).toBe(true);
    expect(asAssessor.files.every((file) => file.checked)).toBe(true);
    expect(changed.ok).toBe(false);
  });

  it('refuses a signature made by another key', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const report = signedReport();

    const result = verifyReport({
      ...report,
      publicKeyPem: other.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    });

    expect(result.ok).toBe(false);
    expect(result.signatureValid).toBe(false);
  });
});
