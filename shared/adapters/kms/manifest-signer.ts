import { createHash } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { ManifestSigner } from '../../use-cases/build-report.ts';
import { IncompleteAnswerError } from '../errors.ts';

/** The report build's signer, and the public key that GET /reports/signing-key hands out. */
export interface KmsManifestSigner extends ManifestSigner {
  /** The public key that verifies the signatures, PEM (SubjectPublicKeyInfo). */
  publicKeyPem(): Promise<string>;
}

/**
 * Signs manifests with the KMS signing key (ECC_NIST_P256, SIGN_VERIFY). The manifest's
 * SHA-256 is sent as a DIGEST: KMS signs at most 4,096 bytes of raw message, and a
 * manifest that lists one complaint part per month of a year's window is longer. ECDSA
 * signs the SHA-256 of the message either way, so the signature is the same plain
 * ECDSA-SHA256 one that `openssl dgst -sha256 -verify` checks against manifest.json as
 * downloaded.
 */
export function kmsManifestSigner(client: KMSClient, keyId: string): KmsManifestSigner {
  return {
    async sign(bytes) {
      const { Signature } = await client.send(
        new SignCommand({
          KeyId: keyId,
          Message: createHash('sha256').update(bytes).digest(),
          MessageType: 'DIGEST',
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
