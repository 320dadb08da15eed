import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { ManifestSigner } from '../../use-cases/build-report.ts';
import { IncompleteAnswerError } from '../errors.ts';

/** KMS signs at most 4,096 bytes of raw message; a manifest is far smaller. */
export const MAX_SIGNED_BYTES = 4096;

/** A manifest too long for KMS to sign raw: a report of more files than any profile makes. */
export class ManifestTooLargeError extends Error {
  override name = 'ManifestTooLargeError';
}

/** The report build's signer, and the public key that GET /reports/signing-key hands out. */
export interface KmsManifestSigner extends ManifestSigner {
  /** The public key that verifies the signatures, PEM (SubjectPublicKeyInfo). */
  publicKeyPem(): Promise<string>;
}

/**
 * Signs manifests with the KMS signing key (ECC_NIST_P256, SIGN_VERIFY). The raw message
 * is sent and KMS hashes it with SHA-256, so the signature is a plain ECDSA-SHA256 one
 * that `openssl dgst -sha256 -verify` checks against manifest.json as downloaded.
 */
export function kmsManifestSigner(client: KMSClient, keyId: string): KmsManifestSigner {
  return {
    async sign(bytes) {
      if (bytes.length > MAX_SIGNED_BYTES) {
        throw new ManifestTooLargeError(
          `a manifest of ${bytes.length} bytes is over KMS's ${MAX_SIGNED_BYTES}`,
        );
      }
      const { Signature } = await client.send(
        new SignCommand({
          KeyId: keyId,
          Message: bytes,
          MessageType: 'RAW',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      if (!Signature) throw new IncompleteAnswerError('KMS returned no signature');
      return Buffer.from(Signature);
    },
    async publicKeyPem() {
      const { PublicKey } = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
      if (!PublicKey) throw new IncompleteAnswerError('KMS returned no public key');
      const base64 = Buffer.from(PublicKey).toString('base64');
      const lines = base64.match(/.{1,64}/g) ?? [];
      return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
    },
  };
}
