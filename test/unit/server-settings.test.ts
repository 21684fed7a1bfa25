import { directConnectionSettings } from '../../src/database/server-settings.js';

// What pg is given for a direct connection: the URL as pg itself would read it,
// with the service's limits and the time zone after the URL's own options.
describe('directConnectionSettings', () => {
  test('a plain URL: its parts, the limits, and the time zone', () => {
    expect(directConnectionSettings('postgresql://auth:s%40cret@db.internal:6543/auth?sslmode=disable')).toEqual(
      expect.objectContaining({ host: 'db.internal', port: '6543', user: 'auth', password: 's@cret', database: 'auth', lock_timeout: 10_000, statement_timeout: 15_000, options: '-c TimeZone=UTC' }),
    );
  });

  test("the URL's own options are kept, and the time zone comes after them, where it wins", () => {
    const settings = directConnectionSettings('postgresql://auth@db/auth?options=-c%20search_path%3Dauth%20-c%20TimeZone%3DEurope%2FParis');
    expect(settings.options).toBe('-c search_path=auth -c TimeZone=Europe/Paris -c TimeZone=UTC');
  });

  test('a socket path with credentials and no host, which a WHATWG URL parser refuses', () => {
    expect(directConnectionSettings('postgresql://auth:pw@/auth?host=/var/run/postgresql')).toEqual(
      expect.objectContaining({ host: '/var/run/postgresql', user: 'auth', password: 'pw', database: 'auth', options: '-c TimeZone=UTC' }),
    );
  });

  test('nothing of the URL is passed on as a connection string that could win over the settings', () => {
    expect(directConnectionSettings('postgresql://auth@db/auth?options=-c%20search_path%3Dauth')).not.toHaveProperty('connectionString');
  });
});
