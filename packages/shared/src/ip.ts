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
 * A list of addresses and CIDR ranges, strictly (e.g. "192.168.1.10, 10.0.0.0/8, 2001:db8::/32"),
 * as GATEHOUSE_TRUSTED_PROXIES takes it. IP restrictions of tokens and authorised users take
 * every form Moodle takes instead: parseIpRestriction and ipRestrictionAllows.
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

/** Whether the address falls within a parseIpList list (an empty list allows every address). */
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

// ---- IP restrictions, as Moodle reads them ---------------------------------------------------
//
// A port of Moodle's address_in_subnet() and cleanremoteaddr() (lib/moodlelib.php), quirks
// included, so that a restriction means in Gatehouse what it means in Moodle. Each entry of the
// comma-separated list is one of:
//   1. an address or CIDR range: 10.1.2.3, 10.0.0.0/8, 2001:db8::1, 2001:db8::/32
//   2. a range in the last group: 192.168.1.1-50, 2001:db8::1-ff
//   3. a partial address: 10.0. or 10.0 (10.0.0.0/16), 123 (123.0.0.0/8), 2001:db8 (2001:db8::/32)
// IPv4 parts are decimal, leading zeros allowed (010.0.0.1 is 10.0.0.1, never octal).

/** What PHP's trim() strips: space, tab, line feed, carriage return, NUL and vertical tab. */
const isPhpSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 0 || c === 11;

/** PHP's trim() (a loop, not a regular expression: linear whatever the input). */
function phpTrim(s: string): string {
  let i = 0;
  let j = s.length;
  while (i < j && isPhpSpace(s.charCodeAt(i))) i++;
  while (j > i && isPhpSpace(s.charCodeAt(j - 1))) j--;
  return i === 0 && j === s.length ? s : s.slice(i, j);
}

const FOUR_PARTS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUPS = /^([0-9a-f]{1,4})(:[0-9a-f]{1,4})*$/i;
/** PHP's is_number(): (string)(int)$v === $v. */
const PHP_INT = /^(0|-?[1-9][0-9]*)$/;

const hexdec = (s: string) => Number.parseInt(s, 16);
const dechex = (n: number) => n.toString(16);

/**
 * Moodle's cleanremoteaddr($addr, false): an IPv4 address without leading zeros, or an IPv6
 * address in full (eight groups, lower case, no leading zeros; `::ffff:10.1.1.1` becomes
 * `0:0:0:0:0:ffff:a1:11`, Moodle's dechex without padding); null when it is no address.
 */
export function cleanRemoteAddr(input: string): string | null {
  let addr = phpTrim(input);
  if (addr.includes(':')) {
    let parts = addr.split(':');
    let count = parts.length;
    const last = parts[count - 1] as string;
    if (last.includes('.')) {
      parts.pop();
      const ipv4 = cleanRemoteAddr(last);
      if (ipv4 === null || ipv4.includes(':')) return null;
      const bits = ipv4.split('.').map(Number) as [number, number, number, number];
      parts.push(dechex(bits[0]) + dechex(bits[1]), dechex(bits[2]) + dechex(bits[3]));
      count = parts.length;
      addr = parts.join(':');
    }
    if (count < 3 || count > 8) return null;
    if (count !== 8) {
      if (!addr.includes('::')) return null;
      parts.splice(parts.indexOf(''), 1, ...new Array<string>(1 + 8 - count).fill('0'));
      parts = parts.map((p) => (p === '' ? '0' : p));
    }
    if (!HEX_GROUPS.test(parts.join(':'))) return null;
    return parts.map((p) => dechex(hexdec(p))).join(':');
  }
  const m = FOUR_PARTS.exec(addr);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return octets.join('.');
}

/** PHP's ip2long() of a cleaned IPv4 address. */
const ip2long = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** A cleaned client address, read once per check. */
interface Client {
  text: string;
  v6: boolean;
  long: number;
  groups: string[];
}

/** One entry of a restriction, compiled: which family it applies to, and the test. */
interface Rule {
  v6: boolean;
  test: (a: Client) => boolean;
  /** A range that ends before it starts: valid syntax, but it allows nobody. */
  empty?: boolean;
}

const zeros = (n: number) => new Array<string>(n).fill('0');

/** One trimmed, non-empty entry as address_in_subnet reads it; null when it can match nothing. */
function compileEntry(subnet: string): Rule | null {
  if (subnet.includes('/')) {
    // 1: xxx.xxx.xxx.xxx/nn or xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx/nnn
    const [ipText = '', maskRaw = ''] = subnet.split('/');
    const maskText = phpTrim(maskRaw);
    if (!PHP_INT.test(maskText)) return null;
    const mask = Number(maskText);
    const ip = cleanRemoteAddr(ipText);
    if (ip === null) return null;
    if (ip.includes(':')) {
      if (mask > 128 || mask < 0) return null;
      if (mask === 0) return { v6: true, test: () => true };
      if (mask === 128) return { v6: true, test: (a) => a.text === ip };
      const ipparts = ip.split(':');
      const modulo = mask % 16;
      const whole = (mask - modulo) / 16;
      const net = ipparts.slice(0, whole).join(':');
      const bits = (0xffff << (16 - modulo)) & 0xffff;
      const ipnet = hexdec(ipparts[whole] ?? '0') & bits;
      return {
        v6: true,
        test: (a) =>
          a.groups.slice(0, whole).join(':') === net &&
          (modulo === 0 || (hexdec(a.groups[whole] ?? '0') & bits) === ipnet),
      };
    }
    if (mask > 32 || mask < 0) return null;
    if (mask === 0) return { v6: false, test: () => true };
    if (mask === 32) return { v6: false, test: (a) => a.text === ip };
    const bits = (0xffffffff << (32 - mask)) >>> 0;
    const ipnet = (ip2long(ip) & bits) >>> 0;
    return { v6: false, test: (a) => (a.long & bits) >>> 0 === ipnet };
  }
  if (subnet.includes('-')) {
    // 2: xxx.xxx.xxx.xxx-yyy or xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx::xxxx-yyyy (in the last group)
    const parts = subnet.split('-');
    if (parts.length !== 2) return null;
    const [from = '', to = ''] = parts;
    const ipstart = cleanRemoteAddr(from);
    if (ipstart === null) return null;
    if (subnet.includes(':')) {
      if (!ipstart.includes(':')) return null;
      const ipparts = ipstart.split(':');
      const start = hexdec(ipparts.pop() as string);
      ipparts.push(phpTrim(to));
      const ipend = cleanRemoteAddr(ipparts.join(':'));
      if (ipend === null) return null;
      ipparts[7] = '';
      const prefix = ipparts.join(':');
      const end = hexdec(ipend.split(':')[7] ?? '');
      return {
        v6: true,
        test: (a) => {
          if (!a.text.startsWith(prefix)) return false;
          const x = hexdec(a.groups[7] ?? '');
          return x >= start && x <= end;
        },
        empty: end < start,
      };
    }
    const ipparts = ipstart.split('.');
    ipparts[3] = phpTrim(to);
    const ipend = cleanRemoteAddr(ipparts.join('.'));
    if (ipend === null || ipend.includes(':')) return null;
    const lo = ip2long(ipstart);
    const hi = ip2long(ipend);
    return { v6: false, test: (a) => a.long >= lo && a.long <= hi, empty: hi < lo };
  }
  // 3: xxx.xxx or xxx.xxx. or xxx:xxx:xxxx or xxx:xxx:xxxx. (an incomplete address)
  if (subnet.includes(':')) {
    const parts = subnet.split(':');
    let count = parts.length;
    let s = subnet;
    if (parts[count - 1] === '') {
      parts.pop();
      count--;
      s = parts.join('.'); // sic: Moodle joins with a dot here
    }
    const isip = cleanRemoteAddr(s);
    if (isip !== null) return isip.includes(':') ? { v6: true, test: (a) => a.text === isip } : null;
    if (count > 8) return null;
    const rule = compileEntry(`${s}:${zeros(8 - count).join(':')}/${count * 16}`);
    return rule?.v6 ? rule : null;
  }
  const parts = subnet.split('.');
  let count = parts.length;
  let s = subnet;
  if (parts[count - 1] === '') {
    parts.pop();
    count--;
    s = parts.join('.');
  }
  if (count === 4) {
    const ip = cleanRemoteAddr(s);
    return ip === null || ip.includes(':') ? null : { v6: false, test: (a) => a.text === ip };
  }
  if (count > 4) return null;
  const rule = compileEntry(`${s}.${zeros(4 - count).join('.')}/${count * 8}`);
  return rule && !rule.v6 ? rule : null;
}

/** Compiled restrictions by their text; the few a site has are compiled once, not per call. */
const compiled = new Map<string, (Rule | null)[]>();

function rulesOf(subnetstr: string): (Rule | null)[] {
  let rules = compiled.get(subnetstr);
  if (!rules) {
    rules = [];
    for (const entry of subnetstr.split(',')) {
      const e = phpTrim(entry);
      if (e !== '') rules.push(compileEntry(e));
    }
    if (subnetstr.length <= 4000) {
      if (compiled.size >= 500) compiled.clear();
      compiled.set(subnetstr, rules);
    }
  }
  return rules;
}

/**
 * Moodle's address_in_subnet($addr, $subnetstr): whether the address falls within one of the
 * comma-separated entries (see above). 0.0.0.0 and anything that is not an address never do.
 */
export function addressInSubnet(addr: string, subnetstr: string): boolean {
  if (addr === '0.0.0.0') return false;
  const text = cleanRemoteAddr(addr);
  if (text === null) return false;
  const v6 = text.includes(':');
  const client: Client = { text, v6, long: v6 ? 0 : ip2long(text), groups: v6 ? text.split(':') : [] };
  for (const rule of rulesOf(subnetstr)) if (rule && rule.v6 === v6 && rule.test(client)) return true;
  return false;
}

/** "::ffff:10.1.2.3", as a dual-stack socket reports an IPv4 client. */
const IPV4_MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * Whether a token's or an authorised user's IP restriction lets the client's address in, as
 * Moodle's `$iprestriction and !address_in_subnet(getremoteaddr(), $iprestriction)`: an empty
 * restriction allows everybody. An IPv4 client on a dual-stack socket (::ffff:a.b.c.d) is its
 * IPv4 address, as PHP behind a web server sees it; an IPv6 zone (%eth0) is dropped.
 */
export function ipRestrictionAllows(restriction: string | null | undefined, address: string): boolean {
  if (!restriction || !phpTrim(restriction)) return true;
  const zone = address.indexOf('%');
  const bare = zone < 0 ? address : address.slice(0, zone);
  return addressInSubnet(IPV4_MAPPED.exec(bare)?.[1] ?? bare, restriction);
}

/** Why an entry of an IP restriction is refused, or undefined when it is one Moodle reads. */
function restrictionProblem(entry: string): string | undefined {
  if (entry.split('/').length > 2) return entry;
  const rule = compileEntry(entry);
  if (!rule) return entry;
  if (rule.empty) return `${entry} (the range ends before it starts)`;
  return undefined;
}

/**
 * An IP restriction as Moodle reads it (address_in_subnet): a comma-separated list of
 * addresses, CIDR ranges, ranges in the last group and partial addresses, IPv4 and IPv6. An
 * entry that could never match (not an address, a mask out of range, a range that ends before
 * it starts, "a/b/c") is invalid rather than silently allowing nobody.
 */
export function parseIpRestriction(text: string): { entries: string[]; invalid: string[] } {
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const invalid: string[] = [];
  for (const e of entries) {
    const problem = restrictionProblem(e);
    if (problem !== undefined) invalid.push(problem);
  }
  return { entries, invalid };
}

/** A validated IP restriction: its entries as typed, joined by ", "; null when empty. */
export const ipRestrictionSchema = z
  .string()
  .max(2000, 'At most 2000 characters')
  .nullable()
  .transform((v, ctx) => {
    if (v === null) return null;
    const { entries, invalid } = parseIpRestriction(v);
    if (invalid.length) {
      ctx.addIssue({
        code: 'custom',
        message: `Not an IP address, range or partial address: ${invalid.join(', ')}`,
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
