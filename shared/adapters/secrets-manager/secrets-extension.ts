/** Secrets Manager could not give a secret; the request fails and the caller may retry. */
export class SecretUnavailableError extends Error {
  override name = 'SecretUnavailableError';
}

/**
 * Reads a secret through the AWS Parameters and Secrets Lambda Extension, which caches
 * it across invocations (TTL set on the function) and saves each function the Secrets
 * Manager client. The port comes from the extension's own environment variable.
 */
export async function readSecretString(secretId: string): Promise<string> {
  const port = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
  const response = await fetch(
    `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`,
    { headers: { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN ?? '' } },
  );
  if (!response.ok) {
    throw new SecretUnavailableError(`the secrets extension answered ${response.status}`);
  }
  const { SecretString } = (await response.json()) as { SecretString?: string };
  if (SecretString === undefined)
    throw new SecretUnavailableError('the secret has no string value');
  return SecretString;
}
