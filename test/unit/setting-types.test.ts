import { randomBytes } from 'node:crypto';
import { estimatedSecretBits, MAX_PROXY_HOPS, MIN_SECRET_BITS, proxyRange, secretWeakness, trustProxy } from '../../src/config/setting-types.js';

describe('TRUST_PROXY parsing', () => {
  test.each([
    ['false', false],
    ['0', false],
    ['1', 1],
    [String(MAX_PROXY_HOPS), MAX_PROXY_HOPS],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.0.0.1, 192.168.0.0/16', '10.0.0.1,192.168.0.0/16'],
    ['172.16.0.0/12', '172.16.0.0/12'],
    ['203.0.113.7/32', '203.0.113.7/32'],
    ['::1', '::1'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['fd12:3456:789a::/48', 'fd12:3456:789a::/48'],
    // How a dual-stack socket shows IPv4 peers: the same range said as IPv4.
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:192.168.1.10', '192.168.1.10'],
  ])('%s is read as %p', (value, expected) => {
    expect(trustProxy.parse(value)).toEqual(expected);
  });

  test.each([
    ['true', /`true` is refused/],
    ['99', new RegExp(`at most ${MAX_PROXY_HOPS} proxy hops`)],
    [String(MAX_PROXY_HOPS + 1), /at most/],
    ['0.0.0.0/0', /too wide/],
    ['128.0.0.0/1', /too wide/],
    ['10.0.0.0/7', /too wide/],
    ['::/0', /too wide/],
    ['2000::/3', /too wide/],
    ['::ffff:0:0/96', /too wide/], // every IPv4 address, written as IPv6
    ['::/64', /every IPv4 client/],
    ['10.0.0.1/8', /host bits/],
    ['1.2.3.4/33', /prefix longer/],
    ['::1/129', /prefix longer/],
    ['1.2.3', /not an IP address/],
    ['01.2.3.4', /not an IP address/],
    ['1.2.3.4/08', /not an IP address/],
    ['fe80::1%eth0', /not an IP address/],
    ['10.0.0.0/8/8', /not an IP address/],
    ['10.0.0.1,', /not an IP address/],
    ['everyone', /not an IP address/],
    ['loopback', /not an IP address/],
  ])('%s is refused, saying why', (value, reason) => {
    const result = trustProxy.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(reason);
  });

  test('every problem in a list is named', () => {
    const message = trustProxy.safeParse('10.0.0.0/8,0.0.0.0/0,1.2.3').error?.issues[0]?.message;
    expect(message).toContain('"0.0.0.0/0" is too wide');
    expect(message).toContain('"1.2.3" is not an IP address');
    expect(message).not.toContain('"10.0.0.0/8"');
  });

  test('proxyRange reads one entry', () => {
    expect(proxyRange('192.168.0.0/16')).toEqual({ range: '192.168.0.0/16' });
    expect(proxyRange('192.169.0.0/15')).toEqual({ problem: expect.stringContaining('host bits') });
  });
});

describe('secret strength (enforced in production)', () => {
  test.each([
    ['the compose placeholders', 'change-me-change-me-change-me-change-me-0001'],
    ['another placeholder', 'replace_me_with_a_real_secret_value_please'],
    ['32 × a', 'a'.repeat(32)],
    ['a repeated phrase', 'pepper-0123456789-0123456789-0123456789'],
    ['a run of the alphabet', 'abcdefghijklmnopqrstuvwxyz012345'],
    ['two halves', `${'a'.repeat(16)}${'b'.repeat(16)}`],
    ['a repeated pair', 'ab'.repeat(16)],
  ])('%s is refused', (_name, value) => {
    const weakness = secretWeakness(value);
    expect(weakness).toBeDefined();
    expect(weakness).not.toContain(value);
  });

  test.each([
    ['openssl rand -base64 48', () => randomBytes(48).toString('base64')],
    ['openssl rand -base64 24', () => randomBytes(24).toString('base64')],
    ['openssl rand -hex 16', () => randomBytes(16).toString('hex')],
    ['32 random base64url bytes', () => randomBytes(32).toString('base64url')],
  ])('random values (%s) pass, 300 draws out of 300', (_name, generate) => {
    for (let i = 0; i < 300; i++) {
      const value = generate();
      expect(estimatedSecretBits(value)).toBeGreaterThanOrEqual(MIN_SECRET_BITS);
      expect(secretWeakness(value)).toBeUndefined();
    }
  });

  test('no value, no weakness: missing secrets are reported as missing elsewhere', () => {
    expect(secretWeakness(undefined)).toBeUndefined();
  });
});
