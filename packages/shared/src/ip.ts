import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * One address, strictly: IPv4 only in four-part decimal (ipaddr.js would also read "192.168",
 * "010.0.0.1" or "3232235777" as some other address, which would silently restrict to the
 * wrong one), IPv6 in any standard form.
 */
export function isIpAddress(a: string): boolean {
  return a.includes(':') ? ipaddr.IPv6.isValid(a) : ipaddr.IPv4.isValidFourPartDecimal(a);
}

function validEntry(e: string): boolean {
  const [addr = '', bits, ...rest] = e.split('/');
  if (rest.length || !isIpAddress(addr)) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && ipaddr.isValidCIDR(e));
}

/**
 * IP restrictions as Moodle writes them: a comma-separated list of addresses and CIDR ranges,
 * IPv4 and IPv6 (e.g. "192.168.1.10, 10.0.0.0/8, 2001:db8::/32"). Empty means no restriction.
 */
export function parseIpList(text: string): { entries: string[]; invalid: string[] } {
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const invalid = entries.filter((e) => !validEntry(e));
  return { entries, invalid };
}

function normalise(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr;
}

/** Whether the address falls within the list (an empty list allows every address). */
export function ipAllowed(list: string | null | undefined, address: string): boolean {
  if (!list?.trim()) return true;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = normalise(ipaddr.parse(address));
  } catch {
    return false;
  }
  for (const entry of parseIpList(list).entries) {
    try {
      if (entry.includes('/')) {
        const [net, bits] = ipaddr.parseCIDR(entry);
        const range = normalise(net);
        const prefix = range.kind() !== net.kind() ? bits - 96 : bits;
        if (range.kind() === addr.kind() && addr.match(range, prefix)) return true;
      } else {
        const one = normalise(ipaddr.parse(entry));
        if (one.kind() === addr.kind() && one.toNormalizedString() === addr.toNormalizedString()) return true;
      }
    } catch {
      // An entry that does not parse allows nothing.
    }
  }
  return false;
}

/** A validated IP restriction; normalised to "a, b, c" or null when empty. */
export const ipRestrictionSchema = z
  .string()
  .max(2000, 'At most 2000 characters')
  .nullable()
  .transform((v, ctx) => {
    if (v === null) return null;
    const { entries, invalid } = parseIpList(v);
    if (invalid.length) {
      ctx.addIssue({
        code: 'custom',
        message: `Not an IP address or CIDR range: ${invalid.join(', ')}`,
      });
      return z.NEVER;
    }
    return entries.length ? entries.join(', ') : null;
  });

/** The address as ipaddr.js reads it, an IPv4-mapped IPv6 address as its IPv4 one; undefined when it is none. */
function parseForCounting(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const a = ip.trim().split('%')[0] ?? '';
  if (!(a.includes(':') ? ipaddr.IPv6.isValid(a) : ipaddr.IPv4.isValidFourPartDecimal(a))) return undefined;
  return ipaddr.process(a);
}

const prefix64 = (a: ipaddr.IPv6) =>
  `${a.parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(':')}::/64`;

/**
 * The client an address stands for when counting attempts (logins, hub registrations): an IPv4
 * address as it is, an IPv6 address by its /64, which one subscriber usually holds whole.
 * Something that is not an address is a group of its own.
 */
export function clientKey(ip: string): string {
  const a = parseForCounting(ip);
  if (!a) return `?${ip.slice(0, 64)}`;
  return a.kind() === 'ipv4' ? a.toString() : prefix64(a as ipaddr.IPv6);
}

/** The network of neighbours an address belongs to: an IPv4 /24, an IPv6 /64. */
export function networkKey(ip: string): string {
  const a = parseForCounting(ip);
  if (!a) return `?${ip.slice(0, 64)}`;
  if (a.kind() === 'ipv6') return prefix64(a as ipaddr.IPv6);
  return `${(a as ipaddr.IPv4).octets.slice(0, 3).join('.')}.0/24`;
}
