import { AppError } from '../common/app-error.js';
import { isUuid } from '../common/uuid.js';

/** Keyset cursor for session listings: the (createdAt, id) of the last row, base64url-encoded. */
export function encodeSessionCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeSessionCursor(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(createdAt ?? '');
  // Only what encodeSessionCursor writes: a plausible date in its exact ISO form (the database rejects far years).
  const plausible = !Number.isNaN(date.getTime()) && date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999;
  if (!isUuid(id) || !plausible || date.toISOString() !== createdAt) {
    throw AppError.invalidField('cursor', 'must be the nextCursor of a previous page');
  }
  return { createdAt: date, id };
}

/** Keyset cursor for user searches: the last email, base64url-encoded. */
export function encodeUserCursor(user: { email: string }): string {
  return Buffer.from(user.email).toString('base64url');
}

export function decodeUserCursor(cursor: string): string {
  const email = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || encodeUserCursor({ email }) !== cursor) {
    throw AppError.invalidField('cursor', 'must be the nextCursor of a previous page');
  }
  return email;
}
