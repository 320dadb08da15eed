import { createHash, createHmac } from 'node:crypto';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';
import { requireEnv } from '../../config.ts';

/** SHA-256 (and HMAC-SHA256 with a secret) for SigV4, from node:crypto. */
class NodeSha256 implements Checksum {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret
      ? createHmac('sha256', Buffer.from(secret as Uint8Array))
      : createHash('sha256');
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    throw new Error('not used by SigV4');
  }
}

/**
 * Presigned S3 GET URLs, signed with SigV4 directly rather than through the S3 client
 * (which would put ~200 KB into a routed function's bundle). Path-style under an explicit
 * endpoint (the emulator's AWS_ENDPOINT_URL), virtual-hosted on AWS.
 */
export function s3Presigner(options: {
  region: string;
  credentials: () => Promise<AwsCredentialIdentity>;
  endpoint?: string;
}) {
  const signer = new SignatureV4({
    service: 's3',
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
    uriEscapePath: false,
  });
  return {
    async presignGet(
      bucket: string,
      key: string,
      expiresInSeconds: number,
      versionId?: string,
    ): Promise<string> {
      const escapedKey = key.split('/').map(encodeURIComponent).join('/');
      const base = options.endpoint
        ? new URL(`${options.endpoint.replace(/\/$/, '')}/${bucket}/${escapedKey}`)
        : new URL(`https://${bucket}.s3.${options.region}.amazonaws.com/${escapedKey}`);
      const signed = await signer.presign(
        {
          method: 'GET',
          protocol: base.protocol,
          hostname: base.hostname,
          ...(base.port ? { port: Number(base.port) } : {}),
          path: base.pathname,
          query: versionId ? { versionId } : {},
          headers: { host: base.host },
        },
        { expiresIn: expiresInSeconds },
      );
      const url = new URL(base.toString());
      for (const [name, value] of Object.entries(signed.query ?? {})) {
        url.searchParams.set(name, String(value));
      }
      return url.toString();
    },
  };
}

/** Download links to one bucket's objects: the report access's DownloadLinks. */
export function s3DownloadLinks(options: Parameters<typeof s3Presigner>[0] & { bucket: string }) {
  const presigner = s3Presigner(options);
  return {
    presignGet: (key: string, expiresInSeconds: number, versionId?: string) =>
      presigner.presignGet(options.bucket, key, expiresInSeconds, versionId),
  };
}

/**
 * Download links to one bucket from inside a function: the region and credentials Lambda
 * puts in the environment, path-style under AWS_ENDPOINT_URL where one is set (only
 * outside AWS: the sandbox's emulator).
 */
export function s3DownloadLinksFromEnvironment(bucket: string) {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  return s3DownloadLinks({
    bucket,
    region: requireEnv('AWS_REGION'),
    credentials: fromEnv(),
    ...(endpoint ? { endpoint } : {}),
  });
}
