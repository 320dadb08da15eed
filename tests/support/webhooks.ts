import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ComplaintEvent } from '#shared/domain/complaint-event.ts';
import { signatureHeader } from '#shared/http/signature.ts';

/** The sample API Gateway request in events/, the shape every webhook test starts from. */
export function sampleWebhookRequest(): APIGatewayProxyEventV2 {
  return JSON.parse(
    readFileSync(new URL('../../events/complaint-webhook.apigw.json', import.meta.url), 'utf8'),
  ) as APIGatewayProxyEventV2;
}

/** A valid complaint event with a fresh, unique complaint and event id. */
export function complaintEvent(overrides: Partial<ComplaintEvent> = {}): ComplaintEvent {
  return {
    eventId: `evt-${randomUUID()}`,
    complaintId: `cmp-${randomUUID()}`,
    type: 'created',
    occurredAt: '2026-10-08T09:15:00+08:00',
    kind: 'complaint',
    category: 'billing',
    region: 'GD-SZ',
    service: 'mobile_data',
    via: 'direct',
    ...overrides,
  };
}

/**
 * The sample request carrying `body`, signed as an operator system signs it. Options
 * spoil it on purpose: another secret, an old timestamp, no header, a base64 body.
 */
export function signedWebhookRequest(options: {
  secret: string;
  body: unknown;
  source?: string;
  timestamp?: number;
  signature?: string | null;
  base64?: boolean;
  contentType?: string;
  /** Another route than the complaint webhook, such as `POST /invitations`. */
  route?: { routeKey: string; path: string };
}): APIGatewayProxyEventV2 {
  const request = sampleWebhookRequest();
  const source = options.source ?? 'crm';
  const raw = Buffer.from(
    typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    'utf8',
  );
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    ...request.headers,
    'content-type': options.contentType ?? 'application/json',
    'x-signature': signatureHeader(options.secret, timestamp, raw),
  } as Record<string, string>;
  if (options.signature === null) delete headers['x-signature'];
  else if (options.signature !== undefined) headers['x-signature'] = options.signature;
  if (options.route) {
    const { pathParameters: _unused, ...rest } = request;
    return {
      ...rest,
      routeKey: options.route.routeKey,
      rawPath: options.route.path,
      requestContext: { ...request.requestContext, routeKey: options.route.routeKey },
      headers,
      body: raw.toString(options.base64 ? 'base64' : 'utf8'),
      isBase64Encoded: options.base64 === true,
    };
  }
  return {
    ...request,
    rawPath: `/webhooks/complaints/${source}`,
    pathParameters: { source },
    headers,
    body: raw.toString(options.base64 ? 'base64' : 'utf8'),
    isBase64Encoded: options.base64 === true,
  };
}
