import { accessCookie, clearedCookies, refreshCookie, type CookieSpec } from '../../src/auth/cookies.js';
import type { AppConfig } from '../../src/config/app-config.js';

type CookieSettings = AppConfig['cookies'];

const DEFAULTS: CookieSettings = { accessName: '__Host-access', refreshName: '__Secure-refresh', secure: true, domain: undefined };
const WITH_DOMAIN: CookieSettings = { accessName: 'access', refreshName: 'refresh', secure: true, domain: 'example.com' };
const PLAIN_HTTP: CookieSettings = { accessName: 'dev-access', refreshName: 'dev-refresh', secure: false, domain: undefined };

describe('accessCookie', () => {
  test('has the exact DESIGN.md attributes with the default settings', () => {
    const spec = accessCookie(DEFAULTS, 'jwt-value', 600);
    expect(spec.name).toBe('__Host-access');
    expect(spec.value).toBe('jwt-value');
    expect(spec.options.httpOnly).toBe(true);
    expect(spec.options.secure).toBe(true);
    expect(spec.options.sameSite).toBe('lax');
    expect(spec.options.path).toBe('/');
    expect(spec.options.maxAge).toBe(600);
  });

  test('carries no domain and no expires by default', () => {
    const spec = accessCookie(DEFAULTS, 'jwt-value', 600);
    expect(spec.options.domain).toBeUndefined();
    expect(spec.options.expires).toBeUndefined();
  });

  test('passes Max-Age through unchanged', () => {
    expect(accessCookie(DEFAULTS, 't', 300).options.maxAge).toBe(300);
    expect(accessCookie(DEFAULTS, 't', 899).options.maxAge).toBe(899);
  });

  test('uses the configured domain', () => {
    expect(accessCookie(WITH_DOMAIN, 't', 600).options.domain).toBe('example.com');
  });

  test('uses the configured name and secure=false for plain-HTTP development', () => {
    const spec = accessCookie(PLAIN_HTTP, 't', 600);
    expect(spec.name).toBe('dev-access');
    expect(spec.options.secure).toBe(false);
    expect(spec.options.httpOnly).toBe(true);
    expect(spec.options.sameSite).toBe('lax');
  });
});

describe('refreshCookie', () => {
  test('has the exact DESIGN.md attributes with the default settings', () => {
    const spec = refreshCookie(DEFAULTS, 'id.secret', 2_592_000);
    expect(spec).toEqual<CookieSpec>({
      name: '__Secure-refresh',
      value: 'id.secret',
      options: { httpOnly: true, secure: true, sameSite: 'strict', path: '/auth', maxAge: 2_592_000, domain: undefined },
    });
  });

  test('is SameSite strict and scoped to /auth only', () => {
    const spec = refreshCookie(DEFAULTS, 'id.secret', 10);
    expect(spec.options.sameSite).toBe('strict');
    expect(spec.options.path).toBe('/auth');
  });

  test('carries no domain by default', () => {
    expect(refreshCookie(DEFAULTS, 'id.secret', 10).options.domain).toBeUndefined();
  });

  test('passes Max-Age through unchanged', () => {
    expect(refreshCookie(DEFAULTS, 'x', 12345).options.maxAge).toBe(12345);
  });

  test('uses the configured domain, name and secure flag', () => {
    expect(refreshCookie(WITH_DOMAIN, 'x', 1).options.domain).toBe('example.com');
    const plain = refreshCookie(PLAIN_HTTP, 'x', 1);
    expect(plain.name).toBe('dev-refresh');
    expect(plain.options.secure).toBe(false);
    expect(plain.options.httpOnly).toBe(true);
  });
});

describe('clearedCookies', () => {
  test('returns the access and the refresh cookie with the same names and paths', () => {
    const [access, refresh] = clearedCookies(DEFAULTS);
    expect(clearedCookies(DEFAULTS)).toHaveLength(2);
    expect(access!.name).toBe('__Host-access');
    expect(access!.options.path).toBe('/');
    expect(refresh!.name).toBe('__Secure-refresh');
    expect(refresh!.options.path).toBe('/auth');
  });

  test('each has an empty value, Max-Age 0 and an expiry at the epoch', () => {
    for (const spec of clearedCookies(DEFAULTS)) {
      expect(spec.value).toBe('');
      expect(spec.options.maxAge).toBe(0);
      expect(spec.options.expires).toBeInstanceOf(Date);
      expect(spec.options.expires!.getTime()).toBe(0);
    }
  });

  test('keeps the same security attributes as the cookies they clear', () => {
    const [access, refresh] = clearedCookies(DEFAULTS);
    expect(access!.options).toMatchObject({ httpOnly: true, secure: true, sameSite: 'lax' });
    expect(refresh!.options).toMatchObject({ httpOnly: true, secure: true, sameSite: 'strict' });
  });

  test('keeps the configured domain so that the browser matches and deletes them', () => {
    for (const spec of clearedCookies(WITH_DOMAIN)) expect(spec.options.domain).toBe('example.com');
    for (const spec of clearedCookies(DEFAULTS)) expect(spec.options.domain).toBeUndefined();
  });

  test('uses the configured names and secure flag', () => {
    const [access, refresh] = clearedCookies(PLAIN_HTTP);
    expect(access!.name).toBe('dev-access');
    expect(refresh!.name).toBe('dev-refresh');
    expect(access!.options.secure).toBe(false);
    expect(refresh!.options.secure).toBe(false);
  });

  test('does not share the Date instance between the two cookies or between calls', () => {
    const first = clearedCookies(DEFAULTS);
    const second = clearedCookies(DEFAULTS);
    first[0]!.options.expires!.setTime(123);
    expect(second[0]!.options.expires!.getTime()).toBe(0);
    expect(first[1]!.options.expires!.getTime()).toBe(0);
  });
});
