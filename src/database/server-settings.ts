import { parse } from 'pg-connection-string';
import type pg from 'pg';

/**
 * The server-side settings every statement of the service runs under.
 *
 * Limits, so that nothing waits on a lock or runs for ever. And the time
 * zone: Prisma's pg adapter sends a Date as a timestamp without an offset,
 * which PostgreSQL reads in the session's time zone, so on a server whose
 * zone is not UTC every time Prisma writes or compares would move by that
 * zone's offset (a 30-minute reset link valid for hours, or already expired).
 *
 * On a direct connection they are startup parameters of each connection
 * (free); behind a pooler in transaction mode, which refuses startup
 * parameters and would not keep session settings anyway, each transaction
 * sets them for itself (SET LOCAL), and the operator sets them on the role
 * for single statements (docs/several-instances.md), which the service checks
 * for the time zone at startup (ServerTimeZoneCheck).
 */
export const SERVER_TIMEOUTS = { lock_timeout: 10_000, statement_timeout: 15_000 } as const;

export const SERVER_TIME_ZONE = 'UTC';

const TIME_ZONE_OPTION = `-c TimeZone=${SERVER_TIME_ZONE}`;

/**
 * pg's settings for a direct connection to `url`. pg lets a setting in the
 * URL win over the code's, so an `options` there (a `search_path`, say) would
 * silently drop the time zone: the URL is parsed as pg parses it (socket
 * paths, credentials without a host and odd escapes included), its options
 * are kept, and the time zone goes after them, where it wins.
 */
export function directConnectionSettings(url: string): pg.PoolConfig {
  const parsed = parse(url);
  return { ...(parsed as pg.PoolConfig), ...SERVER_TIMEOUTS, options: [parsed.options, TIME_ZONE_OPTION].filter(Boolean).join(' ') };
}

/** One statement that applies the settings to the current transaction only. */
export const SET_LOCAL_SETTINGS =
  `SELECT set_config('lock_timeout', '${SERVER_TIMEOUTS.lock_timeout}', true), set_config('statement_timeout', '${SERVER_TIMEOUTS.statement_timeout}', true), ` +
  `set_config('TimeZone', '${SERVER_TIME_ZONE}', true)`;

/**
 * True when this session's zone is UTC on every day from a year ago to a year
 * ahead, the times the service writes and compares: a zone that was UTC on
 * some fixed date may not be now (Africa/Casablanca was UTC in 2000, is
 * UTC+1 today and UTC again for a month a year).
 */
export const READS_TIMES_AS_UTC =
  `SELECT bool_and(extract(timezone FROM day) = 0) FROM generate_series(now() - interval '1 year', now() + interval '1 year', interval '1 day') AS day`;
