import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may never reach (docs/design.md §10.1): private, shared, loopback,
 * link-local (the instance metadata service among them), multicast and reserved ranges,
 * so that a configured or resolved name cannot turn deliveries against our own network.
 */
const REFUSED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  REFUSED.addSubnet(network, prefix, 'ipv6');
}
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** An IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 one. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Whether an IP address is a loopback one (127.0.0.0/8, ::1). */
export function isLoopbackAddress(ip: string): boolean {
  const { address, family } = unmapped(ip);
  return LOOPBACK.check(address, family);
}

/** Whether a webhook may be delivered to this IP address. */
export function isDeliverableAddress(ip: string, options: { allowLoopback?: boolean } = {}) {
  const { address, family } = unmapped(ip);
  if (options.allowLoopback && LOOPBACK.check(address, family)) return true;
  return !REFUSED.check(address, family);
}

/**
 * Why a webhook endpoint's URL is refused, or undefined when it is fine: https only, no
 * credentials in it, and no literal address or local name that is not deliverable. Names
 * are checked again at every delivery, against what they resolve to. `allowLoopback`
 * (the sandbox alone) also admits plain http to its own loopback receiver.
 */
export function endpointUrlProblem(
  url: string,
  options: { allowLoopback?: boolean } = {},
): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const loopbackHttp =
    options.allowLoopback && parsed.protocol === 'http:' && isIP(host) && isLoopbackAddress(host);
  if (parsed.protocol !== 'https:' && !loopbackHttp) return 'must be an https URL';
  if (parsed.username || parsed.password) return 'must carry no credentials';
  if (isIP(host) && !isDeliverableAddress(host, options)) {
    return 'names a private, loopback, link-local or reserved address';
  }
  if (/(^|\.)(localhost|local|internal)$/i.test(host)) return 'names a local host';
  return undefined;
}
