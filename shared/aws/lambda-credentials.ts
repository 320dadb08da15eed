import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentity } from '@smithy/types';

/*
 * Stands in for `@aws-sdk/credential-provider-node` inside Lambda bundles only (the
 * project's function construct aliases it at bundling time). Lambda always hands the
 * execution role's credentials to a function in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
 * and AWS_SESSION_TOKEN, so the default chain's other providers (profiles, SSO, web
 * identity, instance metadata) are dead code there; they weigh ~120 KB minified, half of
 * an intake function's budget (docs/design.md §9). Tests and tools outside Lambda keep the chain.
 */

/** The SDK's credential default provider, reduced to the one source Lambda uses. */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);

/** Environment credentials carry no expiry, so they never need a refresh. */
export const credentialsWillNeedRefresh = (credentials: AwsCredentialIdentity) =>
  credentials.expiration !== undefined;

/** Matches the signature of the provider it replaces. */
export const credentialsTreatedAsExpired = (credentials: AwsCredentialIdentity) =>
  credentials.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
