import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SourceNotAllowedError } from './problem.ts';

/** An IPv4 or IPv6 network in CIDR notation (`203.0.113.0/24`, `2001:db8::/32`), or why not. */
export function cidrProblem(cidr: string): string | undefined {
  const [address = '', bits = '', ...rest] = cidr.split('/');
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family || rest.length > 0 || !/^\d{1,3}$/.test(bits)) {
    return 'is not an address and prefix length such as 203.0.113.0/24';
  }
  if (Number(bits) > (family === 'ipv4' ? 32 : 128)) return 'has too long a prefix';
  return undefined;
}

/**
 * Whether an address lies in one of the networks; no networks admit every address. IPv4
 * addresses written as IPv6 (`::ffff:203.0.113.7`) count as IPv4.
 */
export function sourceAllowList(cidrs: readonly string[]): (address: string) => boolean {
  if (cidrs.length === 0) return () => true;
  const networks = new BlockList();
  for (const cidr of cidrs) {
    const problem = cidrProblem(cidr);
    if (problem) throw new Error(`operator source network "${cidr}" ${problem}`);
    const [address = '', bits = ''] = cidr.split('/');
    networks.addSubnet(address, Number(bits), isIPv4(address) ? 'ipv4' : 'ipv6');
  }
  return (address) => {
    const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
    if (isIPv4(plain)) return networks.check(plain, 'ipv4');
    return isIPv6(plain) && networks.check(plain, 'ipv6');
  };
}

/**
 * Refuses (403 `source-not-allowed`) a request whose source address is outside the
 * operator's networks, before any secret is read. The address is API Gateway's
 * `requestContext.http.sourceIp`, the connection's peer, which a caller cannot forge as it
 * could an `X-Forwarded-For` header.
 */
export function operatorSourcesOnly(
  cidrs: readonly string[],
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  const allowed = sourceAllowList(cidrs);
  return {
    before: (request) => {
      if (!allowed(request.event.requestContext?.http?.sourceIp ?? '')) {
        throw new SourceNotAllowedError();
      }
    },
  };
}
