import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { KMSClient } from '@aws-sdk/client-kms';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { kmsManifestSigner } from '#shared/adapters/kms/manifest-signer.ts';
import { requireEnv } from '#shared/config.ts';
import { bodyAnswer } from '#shared/http/answers.ts';
import { problemDetailsOnError } from '#shared/http/problem-middleware.ts';
import { logger } from '#shared/powertools/logger.ts';

const signer = kmsManifestSigner(new KMSClient({}), requireEnv('SIGNING_KEY_ID'));
/** The key never changes for the key id, so one KMS call per execution environment. */
let publicKeyPem: Promise<string> | undefined;

/** GET /reports/signing-key: the PEM public key that verifies every manifest.sig. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemDetailsOnError())
  .handler(async () => {
    publicKeyPem ??= signer.publicKeyPem().catch((error: unknown) => {
      publicKeyPem = undefined;
      throw error;
    });
    return bodyAnswer(200, 'application/x-pem-file', await publicKeyPem, {
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    });
  });
