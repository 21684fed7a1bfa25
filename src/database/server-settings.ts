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

/** pg's startup parameters for a direct connection. */
export const STARTUP_SETTINGS = { ...SERVER_TIMEOUTS, options: `-c TimeZone=${SERVER_TIME_ZONE}` } as const;

/** One statement that applies the settings to the current transaction only. */
export const SET_LOCAL_SETTINGS =
  `SELECT set_config('lock_timeout', '${SERVER_TIMEOUTS.lock_timeout}', true), set_config('statement_timeout', '${SERVER_TIMEOUTS.statement_timeout}', true), ` +
  `set_config('TimeZone', '${SERVER_TIME_ZONE}', true)`;

/** True when this session reads a time without an offset as UTC, in winter and in summer. */
export const READS_TIMES_AS_UTC =
  `SELECT timestamptz '2000-01-01 00:00:00' = timestamptz '2000-01-01 00:00:00+00' AND timestamptz '2000-07-01 00:00:00' = timestamptz '2000-07-01 00:00:00+00'`;
