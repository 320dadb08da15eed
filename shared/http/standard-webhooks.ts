import { Webhook } from 'standardwebhooks';

/**
 * The headers of a Standard Webhooks message (docs/design.md §10): `webhook-id`,
 * `webhook-timestamp` (unix seconds) and `webhook-signature`, one `v1,<base64 HMAC-SHA256
 * of id.timestamp.body>` per active secret, space-separated: during a rotation the
 * receiver accepts whichever of its secrets matches. Secrets are `whsec_` and base64.
 */
export function standardWebhookHeaders(options: {
  id: string;
  timestamp: Date;
  body: string;
  secrets: readonly string[];
}): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  if (options.secrets.length === 0) throw new Error('a webhook needs at least one secret');
  return {
    'webhook-id': options.id,
    'webhook-timestamp': String(Math.floor(options.timestamp.getTime() / 1000)),
    'webhook-signature': options.secrets
      .map((secret) => new Webhook(secret).sign(options.id, options.timestamp, options.body))
      .join(' '),
  };
}
