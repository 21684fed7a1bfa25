import type { Prisma } from './prisma.service.js';

/**
 * PostgreSQL NOTIFY channels that keep instances in step: every instance
 * LISTENs (NotificationListener) and acts at once, instead of waiting for a
 * cache to expire.
 */
export const CHANNEL = {
  /** A session or all of a user's sessions ended, or the user's roles changed: `{ sid }` or `{ userId }`. */
  sessions: 'auth_sessions',
  /** Signing keys changed (staged, promoted, withdrawn): re-read them. */
  keys: 'auth_keys',
  /** Security events were written to the SSF outbox: `{ streams }` (or `{ all: true }`); wakes long polls and the push worker. */
  securityEvents: 'auth_security_events',
} as const;

export type Channel = (typeof CHANNEL)[keyof typeof CHANNEL];

export type SessionNotice = { sid: string } | { userId: string };

export type SecurityEventsNotice = { streams: string[] } | { all: true };

/**
 * Sent inside the caller's transaction: PostgreSQL delivers it at commit and
 * drops it on rollback, so no instance hears of a change that did not happen.
 */
export async function notify(tx: Prisma.TransactionClient, channel: Channel, payload: object): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${channel}, ${JSON.stringify(payload)})`;
}
