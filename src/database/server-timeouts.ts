/**
 * The server-side limits every statement of the service runs under, so that
 * nothing waits on a lock or runs for ever. On a direct connection they are
 * startup parameters of each connection (free); behind a pooler in
 * transaction mode, which refuses startup parameters and would not keep
 * session settings anyway, each transaction sets them for itself (SET LOCAL),
 * and the operator sets them on the role for single statements
 * (docs/several-instances.md).
 */
export const SERVER_TIMEOUTS = { lock_timeout: 10_000, statement_timeout: 15_000 } as const;

/** One statement that applies SERVER_TIMEOUTS to the current transaction only. */
export const SET_LOCAL_TIMEOUTS = `SELECT set_config('lock_timeout', '${SERVER_TIMEOUTS.lock_timeout}', true), set_config('statement_timeout', '${SERVER_TIMEOUTS.statement_timeout}', true)`;
