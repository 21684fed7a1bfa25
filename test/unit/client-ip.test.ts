import { parseClientIp } from '../../src/auth/principal.js';

describe('the client IP stored with sessions and audit events', () => {
  test.each([
    ['203.0.113.5', '203.0.113.5'],
    ['2001:DB8:0:0::1', '2001:db8::1'],
    ['::1', '::1'],
    ['fe80::1%eth0', 'fe80::1'],
    // An IPv4 client on a dual-stack socket is the same client as on an IPv4 one.
    ['::ffff:203.0.113.5', '203.0.113.5'],
    ['::FFFF:cb00:7105', '203.0.113.5'],
  ])('%s is stored as %s', (raw, stored) => {
    expect(parseClientIp(raw)).toBe(stored);
  });

  test.each([
    '<img src=x onerror=alert(1)>',
    '203.0.113.5, 10.0.0.1',
    ' 203.0.113.5',
    '1.2.3',
    '999.1.1.1',
    'fe80::1%<script>',
    'unknown',
    '',
    undefined,
  ])('%p is not an IP, so nothing is stored', (raw) => {
    expect(parseClientIp(raw)).toBeNull();
  });
});
