import { createPublicKey, verify } from 'node:crypto';
import { sha256Hex } from './report-files.ts';

export interface ReportVerification {
  /** The manifest's signature checks against the public key. */
  signatureValid: boolean;
  /**
   * Each file the manifest lists: present with its listed size and SHA-256, or why not. An
   * assessor extract that was not downloaded (regulators cannot) is not checked, not failed.
   */
  files: { name: string; ok: boolean; checked: boolean; problem?: string }[];
  ok: boolean;
}

/**
 * Verifies a downloaded report offline, as an assessor would: the manifest's ECDSA P-256
 * SHA-256 signature against the published public key, then every listed file against the
 * manifest. Nothing is trusted that the signature does not cover.
 */
export function verifyReport(input: {
  manifest: Buffer;
  /** manifest.sig as downloaded: base64 of the DER signature. */
  signature: string;
  publicKeyPem: string;
  files: ReadonlyMap<string, Buffer>;
}): ReportVerification {
  const signatureValid = verify(
    'sha256',
    input.manifest,
    createPublicKey(input.publicKeyPem),
    Buffer.from(input.signature.trim(), 'base64'),
  );
  let listed: { name: string; bytes: number; sha256: string }[] = [];
  try {
    listed = (JSON.parse(input.manifest.toString('utf8')) as { files?: typeof listed }).files ?? [];
  } catch {
    return { signatureValid: false, files: [], ok: false };
  }
  const files = listed.map((entry) => {
    const body = input.files.get(entry.name);
    const { name } = entry;
    if (!body && name.startsWith('extract/'))
      return { name, ok: true, checked: false, problem: 'not downloaded (for assessors only)' };
    if (!body) return { name, ok: false, checked: false, problem: 'missing' };
    if (body.length !== entry.bytes)
      return {
        name,
        ok: false,
        checked: true,
        problem: `${body.length} bytes, manifest says ${entry.bytes}`,
      };
    if (sha256Hex(body) !== entry.sha256)
      return { name, ok: false, checked: true, problem: 'SHA-256 differs from the manifest' };
    return { name, ok: true, checked: true };
  });
  return {
    signatureValid,
    files,
    ok: signatureValid && files.some((file) => file.checked) && files.every((file) => file.ok),
  };
}
