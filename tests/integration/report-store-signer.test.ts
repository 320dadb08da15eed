/*
 * The report builder's S3 store and KMS signer against the emulator (the sandbox's moto, with
 * its DIGEST signing fix): an extract part larger than one upload part goes up as a multipart
 * upload into an Object-Locked bucket and reads back byte for byte, and a manifest longer
 * than KMS's 4,096-byte message limit is signed (by its digest) so that the public key
 * verifies it offline, as an assessor does.
 */
import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startMoto } from '#sandbox/emulator/moto.ts';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import { kmsManifestSigner } from '#shared/adapters/kms/manifest-signer.ts';
import { s3ReportStore } from '#shared/adapters/s3/report-store.ts';
import { verifyReport } from '#shared/reports/verify-report.ts';

let emulator: RunningEmulator;
let s3: S3Client;
let kms: KMSClient;
const Bucket = `reports-store-${Date.now()}`;

beforeAll(async () => {
  emulator = await startMoto();
  const config = {
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: emulatorCredentials,
  };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  kms = new KMSClient(config);
  await s3.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
      },
    }),
  );
});

afterAll(async () => {
  s3?.destroy();
  kms?.destroy();
  await emulator?.stop();
});

describe('the report store', () => {
  it('writes a streamed file larger than an upload part into the Object-Locked bucket, byte for byte', async () => {
    // Prepare: 12 MiB in 64 KiB chunks, as gzip hands them over (three parts of 5 MiB).
    const body = randomBytes(12 * 1024 * 1024);
    async function* chunks() {
      for (let at = 0; at < body.length; at += 65_536) yield body.subarray(at, at + 65_536);
    }

    // Act
    const written = await s3ReportStore(s3, Bucket).putStream(
      'reports/baseline/2026-10/r-1/',
      { name: 'extract/complaints/2026-10.csv.gz', contentType: 'application/gzip' },
      chunks(),
    );

    // Assess
    const read = await s3.send(
      new GetObjectCommand({
        Bucket,
        Key: 'reports/baseline/2026-10/r-1/extract/complaints/2026-10.csv.gz',
        VersionId: written.versionId,
      }),
    );
    expect(Buffer.from((await read.Body?.transformToByteArray()) ?? []).equals(body)).toBe(true);
    expect(read.ContentDisposition).toBe(
      'attachment; filename="r-1_extract_complaints_2026-10.csv.gz"',
    );
    // The bucket's default retention locks it on AWS; moto applies it to single puts only.
  });
});

describe('the manifest signer', () => {
  it('signs a manifest over 4,096 bytes so that the public key verifies it offline', async () => {
    // Prepare
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    );
    const signer = kmsManifestSigner(kms, KeyMetadata?.KeyId ?? '');
    const files = Array.from({ length: 36 }, (_, n) => ({
      name: `extract/complaints/20${24 + Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}.csv.gz`,
      bytes: 0,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    }));
    const manifest = Buffer.from(`${JSON.stringify({ files }, null, 2)}\n`);

    // Act
    const signature = await signer.sign(manifest);

    // Assess: over the raw limit, and a plain ECDSA-SHA256 signature of the bytes.
    expect(manifest.length).toBeGreaterThan(4096);
    const verified = verifyReport({
      manifest,
      signature: signature.toString('base64'),
      publicKeyPem: await signer.publicKeyPem(),
      files: new Map(files.map((file) => [file.name, Buffer.alloc(0)])),
    });
    expect(verified.signatureValid).toBe(true);
    expect(verified.ok).toBe(true);
    const tampered = Buffer.from(manifest.toString().replace('2024-01', '2024-13'));
    expect(
      verifyReport({
        manifest: tampered,
        signature: signature.toString('base64'),
        publicKeyPem: await signer.publicKeyPem(),
        files: new Map(),
      }).signatureValid,
    ).toBe(false);
  });
});
