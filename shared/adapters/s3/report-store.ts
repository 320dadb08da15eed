import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ReportStore } from '../../use-cases/build-report.ts';
import type { PublishedFiles } from '../../use-cases/restate-reports.ts';

/** Where a report's files go (docs/design.md §7): `reports/{profile}/{period}/{reportId}/{name}`. */
export const reportPrefix = (profile: string, period: string, reportId: string) =>
  `reports/${profile}/${period}/${reportId}/`;

/**
 * Every file but the page a browser shows (report.html) is saved, not shown, when
 * downloaded, under the report's id before its own name: a regulator's downloads folder
 * then tells one report's report.json from another's.
 */
function attachment(prefix: string, name: string): { ContentDisposition?: string } {
  if (name.endsWith('.html')) return {};
  const reportId = prefix.split('/').at(-2) ?? '';
  return { ContentDisposition: `attachment; filename="${reportId}_${name.replaceAll('/', '_')}"` };
}

/**
 * Report files in the Object-Locked bucket: each put is a new object version that the
 * bucket's default retention locks; encryption is the bucket's (KMS) default.
 */
export function s3ReportStore(client: S3Client, bucket: string): ReportStore {
  return {
    async put(prefix, file) {
      const { VersionId } = await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}${file.name}`,
          Body: file.body,
          ContentType: file.contentType,
          ...attachment(prefix, file.name),
          // Object Lock refuses a put without an integrity checksum.
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      return VersionId ? { versionId: VersionId } : {};
    },
    async putStream(prefix, file, body) {
      // lib-storage's Upload: one put for a body under a part, else a multipart upload of
      // 5 MiB parts, each with its checksum (Object Lock wants one on every part), at most
      // queueSize parts in memory at once.
      const { VersionId } = await new Upload({
        client,
        queueSize: 2,
        params: {
          Bucket: bucket,
          Key: `${prefix}${file.name}`,
          Body: Readable.from(body),
          ContentType: file.contentType,
          ...attachment(prefix, file.name),
          ChecksumAlgorithm: 'SHA256',
        },
      }).done();
      return VersionId ? { versionId: VersionId } : {};
    },
  };
}

/** A published report's files read back (the restatement check's report.json and extract). */
export function s3ReportFiles(client: S3Client, bucket: string): PublishedFiles {
  return {
    async read(prefix, name) {
      const { Body } = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${name}` }),
      );
      if (!Body) throw new Error(`the report file ${prefix}${name} is empty`);
      return Buffer.from(await Body.transformToByteArray());
    },
  };
}
