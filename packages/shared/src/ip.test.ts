import { describe, expect, it } from 'vitest';
import {
  addressInSubnet,
  cleanRemoteAddr,
  ipRestrictionAllows,
  ipRestrictionSchema,
  parseIpList,
  parseIpRestriction,
} from './ip';

// Moodle's own table, word for word: lib/tests/moodlelib_test.php, test_cleanremoteaddr()
// (the compressing cases aside: Gatehouse only uses the uncompressed form).
describe('cleanRemoteAddr (Moodle cleanremoteaddr($addr, false))', () => {
  it.each([
    ['1023.121.234.1', null],
    ['123.121.234.01 ', '123.121.234.1'],
    ['0:0:0:0:0:0:0:0:0', null],
    ['0:0:0:0:0:0:0:abh', null],
    ['0:0:0:::0:0:1', null],
    ['::10:1', '0:0:0:0:0:0:10:1'],
    ['01:1::', '1:1:0:0:0:0:0:0'],
    ['10::10', '10:0:0:0:0:0:0:10'],
    // Moodle's dechex without padding: 10.1 → "a1", not "a01".
    ['::ffff:10.1.1.1', '0:0:0:0:0:ffff:a1:11'],
    ['::ffff:192.168.1.1', '0:0:0:0:0:ffff:c0a8:11'],
    ['ABCD:00EF::', 'abcd:ef:0:0:0:0:0:0'],
    ['010.000.001.002', '10.0.1.2'],
    ['192.168', null],
    ['3232235777', null],
  ])('%j → %j', (input, expected) => {
    expect(cleanRemoteAddr(input)).toBe(expected);
  });
});

// Moodle's own table, word for word: lib/tests/moodlelib_test.php, test_address_in_subnet().
const MOODLE_CASES: [boolean, string, string][] = [
  // 1: xxx.xxx.xxx.xxx/nn or xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx/nnn (number of bits in net mask).
  [true, '123.121.234.1', '123.121.234.1/32'],
  [false, '123.121.23.1', '123.121.23.0/32'],
  [true, '10.10.10.100', '123.121.23.45/0'],
  [true, '123.121.234.1', '123.121.234.0/24'],
  [false, '123.121.34.1', '123.121.234.0/24'],
  [true, '123.121.234.1', '123.121.234.0/30'],
  [false, '123.121.23.8', '123.121.23.0/30'],
  [true, 'baba:baba::baba', 'baba:baba::baba/128'],
  [false, 'bab:baba::baba', 'bab:baba::cece/128'],
  [true, 'baba:baba::baba', 'cece:cece::cece/0'],
  [true, 'baba:baba::baba', 'baba:baba::baba/128'],
  [true, 'baba:baba::00ba', 'baba:baba::/120'],
  [false, 'baba:baba::aba', 'baba:baba::/120'],
  [true, 'baba::baba:00ba', 'baba::baba:0/112'],
  [false, 'baba::aba:00ba', 'baba::baba:0/112'],
  [false, 'aba::baba:0000', 'baba::baba:0/112'],
  // Fixed input.
  [true, '123.121.23.1   ', ' 123.121.23.0 / 24'],
  [true, '::ffff:10.1.1.1', ' 0:0:0:000:0:ffff:a1:10 / 126'],
  // Incorrect input.
  [false, '123.121.234.1', '123.121.234.1/-2'],
  [false, '123.121.234.1', '123.121.234.1/64'],
  [false, '123.121.234.x', '123.121.234.1/24'],
  [false, '123.121.234.0', '123.121.234.xx/24'],
  [false, '123.121.234.1', '123.121.234.1/xx0'],
  [false, '::1', '::aa:0/xx0'],
  [false, '::1', '::aa:0/-5'],
  [false, '::1', '::aa:0/130'],
  [false, 'x:1', '::aa:0/130'],
  [false, '::1', '::ax:0/130'],
  // 2: xxx.xxx.xxx.xxx-yyy or xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx::xxxx-yyyy (a range of IP addresses in the last group).
  [true, '123.121.234.12', '123.121.234.12-14'],
  [true, '123.121.234.13', '123.121.234.12-14'],
  [true, '123.121.234.14', '123.121.234.12-14'],
  [false, '123.121.234.1', '123.121.234.12-14'],
  [false, '123.121.234.20', '123.121.234.12-14'],
  [false, '123.121.23.12', '123.121.234.12-14'],
  [false, '123.12.234.12', '123.121.234.12-14'],
  [true, 'baba:baba::baba', 'baba:baba::baba-babe'],
  [true, 'baba:baba::babc', 'baba:baba::baba-babe'],
  [true, 'baba:baba::babe', 'baba:baba::baba-babe'],
  [false, 'bab:baba::bab0', 'bab:baba::baba-babe'],
  [false, 'bab:baba::babf', 'bab:baba::baba-babe'],
  [false, 'bab:baba::bfbe', 'bab:baba::baba-babe'],
  [false, 'bfb:baba::babe', 'bab:baba::baba-babe'],
  // Fixed input.
  [true, '123.121.234.12', '123.121.234.12 - 14 '],
  [true, 'bab:baba::babe', 'bab:baba::baba - babe  '],
  // Incorrect input.
  [false, '123.121.234.12', '123.121.234.12-234.14'],
  [false, '123.121.234.12', '123.121.234.12-256'],
  [false, '123.121.234.12', '123.121.234.12--256'],
  // 3: xxx.xxx or xxx.xxx. or xxx:xxx:xxxx or xxx:xxx:xxxx. (incomplete address, a bit non-technical ;-).
  [true, '123.121.234.12', '123.121.234.12'],
  [false, '123.121.23.12', '123.121.23.13'],
  [true, '123.121.234.12', '123.121.234.'],
  [true, '123.121.234.12', '123.121.234'],
  [true, '123.121.234.12', '123.121'],
  [true, '123.121.234.12', '123'],
  [false, '123.121.234.1', '12.121.234.'],
  [false, '123.121.234.1', '12.121.234'],
  [true, 'baba:baba::bab', 'baba:baba::bab'],
  [false, 'baba:baba::ba', 'baba:baba::bc'],
  [true, 'baba:baba::bab', 'baba:baba'],
  [true, 'baba:baba::bab', 'baba:'],
  [false, 'bab:baba::bab', 'baba:'],
  // Multiple subnets.
  [true, '123.121.234.12', '::1/64, 124., 123.121.234.10-30'],
  [true, '124.121.234.12', '::1/64, 124., 123.121.234.10-30'],
  [true, '::2', '::1/64, 124., 123.121.234.10-30'],
  [false, '12.121.234.12', '::1/64, 124., 123.121.234.10-30'],
  // Other incorrect input.
  [false, '123.123.123.123', ''],
];

describe("addressInSubnet: Moodle's test_address_in_subnet table", () => {
  it.each(MOODLE_CASES)('%s for %j in %j', (expected, addr, subnet) => {
    expect(addressInSubnet(addr, subnet)).toBe(expected);
  });
});

describe('addressInSubnet: the forms of issue 16, and the quirks kept', () => {
  it.each<[boolean, string, string]>([
    [true, '192.168.1.1', '192.168.1.1-50'],
    [true, '192.168.1.50', '192.168.1.1-50'],
    [false, '192.168.1.51', '192.168.1.1-50'],
    [true, '10.0.200.3', '10.0.'],
    [true, '10.0.200.3', '10.0'],
    [false, '10.1.0.1', '10.0.'],
    [true, '2001:db8::1', '2001:db8::1-ff'],
    [true, '2001:db8::ff', '2001:db8::1-ff'],
    [false, '2001:db8::100', '2001:db8::1-ff'],
    [false, '2001:db8:1::1', '2001:db8::1-ff'],
    // Leading zeros are decimal, never octal.
    [true, '10.0.0.1', '010.0.0.1'],
    [false, '8.0.0.1', '010.0.0.1'],
    [true, '10.0.0.9', '010.000.000.000/8'],
    // IPv4 entries never match IPv6 addresses, and the other way round.
    [false, '::ffff:10.0.0.1', '10.0.0.0/8'],
    [false, '10.0.0.1', '::/0'],
    [true, '10.0.0.1', '0.0.0.0/0'],
    // 0.0.0.0 is in no subnet.
    [false, '0.0.0.0', '0.0.0.0/0'],
    // Moodle joins a trimmed partial IPv6 address with a dot: "2001:db8:" and "2001:db8::" match nothing.
    [false, '2001:db8::1', '2001:db8:'],
    [false, '2001:db8::', '2001:db8::'],
    // "a::b::c" is read as Moodle reads it (the first :: expanded, the second a zero group).
    [true, '2001:db8::1', '2001:db8:::1'],
  ])('%s for %j in %j', (expected, addr, subnet) => {
    expect(addressInSubnet(addr, subnet)).toBe(expected);
  });
});

describe('ipRestrictionAllows', () => {
  it('allows everybody without a restriction', () => {
    expect(ipRestrictionAllows(null, '10.0.0.1')).toBe(true);
    expect(ipRestrictionAllows('', '10.0.0.1')).toBe(true);
    expect(ipRestrictionAllows('  ', '10.0.0.1')).toBe(true);
  });

  it('reads an IPv4 client on a dual-stack socket as its IPv4 address, and drops an IPv6 zone', () => {
    expect(ipRestrictionAllows('10.0.', '::ffff:10.0.3.4')).toBe(true);
    expect(ipRestrictionAllows('10.0.', '::FFFF:10.1.3.4')).toBe(false);
    expect(ipRestrictionAllows('fe80::1-9', 'fe80::5%eth0')).toBe(true);
  });

  it('gives the same answer when the compiled restriction is reused', () => {
    for (let i = 0; i < 3; i++) {
      expect(ipRestrictionAllows('192.168.1.1-50, 2001:db8::/32', '192.168.1.7')).toBe(true);
      expect(ipRestrictionAllows('192.168.1.1-50, 2001:db8::/32', '192.168.1.70')).toBe(false);
    }
  });
});

describe('parseIpRestriction and ipRestrictionSchema: every form Moodle reads, nothing that matches nobody', () => {
  it.each([
    '10.1.2.3',
    '10.0.0.0/8',
    '2001:db8::1',
    '2001:db8::/32',
    '192.168.1.1-50',
    '192.168.1.1 - 50',
    '2001:db8::1-ff',
    '10.0.',
    '10.0',
    '123',
    '010.0.0.1',
    'baba:baba',
    'baba:',
    ' 123.121.23.0 / 24',
    '::ffff:10.1.1.1',
  ])('accepts %j', (entry) => {
    expect(parseIpRestriction(entry).invalid).toEqual([]);
  });

  it.each([
    ['not-an-ip', 'not-an-ip'],
    ['300.1.2.3', '300.1.2.3'],
    ['10.0.0.0/33', '10.0.0.0/33'],
    ['2001:db8::/129', '2001:db8::/129'],
    ['10.0.0.0/08', '10.0.0.0/08'],
    ['192.168/16', '192.168/16'],
    ['3232235777', '3232235777'],
    ['10.0.0.0/8/9', '10.0.0.0/8/9'],
    ['1.2.3.4.5', '1.2.3.4.5'],
    ['10..', '10..'],
    ['192.168.1.50-1', '192.168.1.50-1 (the range ends before it starts)'],
    ['2001:db8::1-ff-fff', '2001:db8::1-ff-fff'],
    ['2001:db8::', '2001:db8::'],
  ])('refuses %j, naming it', (entry, named) => {
    expect(parseIpRestriction(`10.1.1.1, ${entry}`).invalid).toEqual([named]);
  });

  it('keeps the entries as typed, joined by ", "; an empty list is null', () => {
    expect(ipRestrictionSchema.parse(' 10.0.,192.168.1.1-50 ,  2001:DB8::1-FF')).toBe(
      '10.0., 192.168.1.1-50, 2001:DB8::1-FF',
    );
    expect(ipRestrictionSchema.parse(' , ')).toBeNull();
    expect(ipRestrictionSchema.parse(null)).toBeNull();
  });

  it('says what it refuses', () => {
    const r = ipRestrictionSchema.safeParse('10.0.0.1, 10.0.0.0/40');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('Not an IP address, range or partial address: 10.0.0.0/40');
  });
});

describe('parseIpList (trusted proxies) stays strict', () => {
  it.each(['10.0.', '192.168.1.1-50', '010.0.0.1'])('refuses %j', (entry) => {
    expect(parseIpList(entry).invalid).toEqual([entry]);
  });
});
