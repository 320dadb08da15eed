import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface SecretsExtensionOptions {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The session token the function's environment carries, which requests must present. */
  sessionToken: string;
  ttlSeconds: number;
}

/**
 * The AWS Parameters and Secrets Lambda Extension of one function, for the sandbox: the
 * same HTTP API (`GET /secretsmanager/get?secretId=`, the session token in
 * `X-Aws-Parameters-Secrets-Token`), answered from the emulator's Secrets Manager, with
 * the TTL cache the function's SECRETS_MANAGER_TTL sets.
 */
export class SecretsExtension {
  private readonly server: Server;
  private readonly client: SecretsManagerClient;
  private readonly cache = new Map<string, { body: string; at: number }>();

  private constructor(options: SecretsExtensionOptions) {
    this.client = new SecretsManagerClient({
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials,
    });
    this.server = createServer(async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const answer = (status: number, body: string) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(body);
      };
      if (request.headers['x-aws-parameters-secrets-token'] !== options.sessionToken) {
        return answer(401, '{"message":"missing or wrong X-Aws-Parameters-Secrets-Token"}');
      }
      const secretId = url.searchParams.get('secretId');
      if (url.pathname !== '/secretsmanager/get' || !secretId) {
        return answer(400, '{"message":"expected /secretsmanager/get?secretId="}');
      }
      const cached = this.cache.get(secretId);
      if (cached && Date.now() - cached.at < options.ttlSeconds * 1000) {
        return answer(200, cached.body);
      }
      try {
        const secret = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
        const body = JSON.stringify({
          ARN: secret.ARN,
          Name: secret.Name,
          VersionId: secret.VersionId,
          SecretString: secret.SecretString,
          VersionStages: secret.VersionStages,
          CreatedDate: secret.CreatedDate?.toISOString(),
        });
        if (options.ttlSeconds > 0) this.cache.set(secretId, { body, at: Date.now() });
        answer(200, body);
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
          ?.httpStatusCode;
        answer(status ?? 500, JSON.stringify({ message: (error as Error).message }));
      }
    });
  }

  /** Starts the extension on a free loopback port. */
  static async start(options: SecretsExtensionOptions) {
    const extension = new SecretsExtension(options);
    extension.server.listen(0, '127.0.0.1');
    await once(extension.server, 'listening');
    return extension;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    this.client.destroy();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}
