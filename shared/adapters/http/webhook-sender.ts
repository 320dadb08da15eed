import { lookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { endpointUrlProblem, isDeliverableAddress } from '../../domain/endpoint-address.ts';
import type { WebhookResponse, WebhookSender } from '../../use-cases/deliver-case.ts';

/** A name resolved to an address that no webhook may reach. */
class RefusedAddressError extends Error {
  override name = 'RefusedAddressError';
}

/**
 * A resolver that refuses undeliverable addresses at connection time: the address checked
 * is the one connected to, so a name that resolves elsewhere between a check and the
 * connection (DNS rebinding) cannot slip through.
 */
function guardedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const refused = addresses.find(
        ({ address }) => !isDeliverableAddress(address, { allowLoopback }),
      );
      if (refused || addresses.length === 0) {
        return callback(new RefusedAddressError('address refused'), '', 4);
      }
      if (options.all) return (callback as (e: null, a: typeof addresses) => void)(null, addresses);
      const [first] = addresses;
      return callback(null, first?.address ?? '', first?.family ?? 4);
    });
  };
}

/**
 * The webhook sender over Node's HTTP client: https (plain http only to the sandbox's
 * loopback receiver when `allowLoopback`), redirects never followed (Node follows none:
 * a 3xx is reported as one), at most `timeoutMs` for the whole attempt, the body of the
 * answer read and dropped.
 */
export function nodeWebhookSender(options: {
  allowLoopback: boolean;
  timeoutMs: number;
}): WebhookSender {
  const lookupGuard = guardedLookup(options.allowLoopback);
  return (url, headers, body) =>
    new Promise<WebhookResponse>((resolve) => {
      if (endpointUrlProblem(url, { allowLoopback: options.allowLoopback })) {
        resolve({ error: 'refused_address' });
        return;
      }
      const target = new URL(url);
      const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
      // A literal address is connected to without a lookup: endpointUrlProblem judged it.
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'telecom-service-quality-webhooks/1',
          },
          ...(isIP(host) ? {} : { lookup: lookupGuard }),
          timeout: options.timeoutMs,
        },
        (response) => {
          response.resume();
          const status = response.statusCode ?? 0;
          const answer: WebhookResponse =
            status >= 300 && status < 400 ? { status, error: 'redirect' } : { status };
          response.on('end', () => resolve(answer));
          response.on('error', () => resolve(answer));
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error) => {
        resolve({
          error:
            error instanceof RefusedAddressError
              ? 'refused_address'
              : error.message === 'timeout'
                ? 'timeout'
                : 'network',
        });
      });
      request.end(body);
    });
}
