import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportStore } from '../../use-cases/build-report.ts';

/** Where a report's files go (docs/design.md §7): `reports/{profile}/{period}/{reportId}/{name}`. */
export const reportPrefix = (profile: string, period: string, reportId: string) =>
  `reports/${profile}/${period}/${reportId}/`;

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
          // Object Lock refuses a put without an integrity checksum.
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      return VersionId ? { versionId: VersionId } : {};
    },
  };
}
