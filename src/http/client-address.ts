import { isIPv4, isIPv6 } from 'node:net';

/** The eight 16-bit groups of an IPv6 address, `::` expanded and a trailing dotted IPv4 part converted. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.split('::');
  const parts = (text: string | undefined) =>
    (text ? text.split(':') : []).flatMap((part) => {
      if (!isIPv4(part)) return [part];
      const [a, b, c, d] = part.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const before = parts(head);
  const after = parts(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - before.length - after.length).fill('0');
  return [...before, ...zeros, ...after].map((group) => (parseInt(group, 16) || 0).toString(16));
}

/**
 * Whom a rate limit counts a request against: the IPv4 address, or an IPv6 address's /64. One IPv6
 * host usually holds a whole /64 (SLAAC, privacy addresses), so counting full addresses would give one
 * client 2^64 buckets. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) counts as its IPv4 address.
 */
export function clientAddressKey(ip: string): string {
  const address = ip.replace(/%.*$/, ''); // a zone index (fe80::1%eth0) says nothing about the client
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const [hi, lo] = [parseInt(groups[6], 16), parseInt(groups[7], 16)];
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}
