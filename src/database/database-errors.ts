/**
 * Recognising "the database is unreachable or going away" in whatever shape
 * pg, pg-pool or Prisma's adapter reports it: by code where the library
 * gives one, by message where it does not (those messages are pinned by
 * test/integration/database-pool.test.ts against the real libraries).
 */

/** pg-pool gave up waiting for a free connection (no code). */
export const PG_POOL_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';

/** Messages pg and pg-pool use without a code for a link that broke or never formed. */
const CONNECTION_LOST_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Connection terminated due to connection timeout',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
]);

/** Socket errors and SQLSTATEs of a server that is down, restarting, or kicked us out. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown (pg_terminate_backend, a fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
  'P1001', // Prisma: can't reach database server
  'P1002', // Prisma: database server timed out
  'P1017', // Prisma: server closed the connection
]);

/** Prisma's pg adapter names socket failures by kind. */
const UNREACHABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout']);

/** Busy, not broken: contention the client may retry at once. */
const CONTENTION_CODES = new Set([
  'P2024', // timed out fetching a connection from the pool
  'P2028', // interactive transaction could not start or timed out
  'P2034', // write conflict or deadlock, rolled back
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57014', // query_canceled (statement timeout)
]);

interface Inspectable {
  code?: unknown;
  message?: unknown;
  /** Prisma's pg adapter: the kind of driver failure. */
  kind?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } };
}

/** Every error in the chain: the error, its `cause`s, and the driver error Prisma nests in `meta`. */
function* chain(error: unknown): Generator<Inspectable> {
  const seen = new Set<unknown>();
  let current = error;
  while (current !== null && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const inspectable = current as Inspectable;
    yield inspectable;
    const adapter = inspectable.meta?.driverAdapterError?.cause;
    if (adapter) yield { code: adapter.originalCode, kind: adapter.kind };
    current = inspectable.cause;
  }
}

export function isConnectionLost(error: unknown): boolean {
  for (const entry of chain(error)) {
    if (typeof entry.code === 'string' && UNREACHABLE_CODES.has(entry.code)) return true;
    if (typeof entry.message === 'string' && CONNECTION_LOST_MESSAGES.has(entry.message)) return true;
    if (UNREACHABLE_ADAPTER_KINDS.has(String(entry.kind))) return true;
  }
  return false;
}

export function isContention(error: unknown): boolean {
  for (const entry of chain(error)) {
    if (typeof entry.code === 'string' && CONTENTION_CODES.has(entry.code)) return true;
    if (typeof entry.message === 'string' && entry.message === PG_POOL_TIMEOUT_MESSAGE) return true;
    if (entry.kind === 'TransactionWriteConflict' || entry.kind === 'TooManyConnections') return true;
  }
  return false;
}
