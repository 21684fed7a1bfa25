import { AppError } from '../common/app-error.js';
import { isUuid } from '../common/uuid.js';

/** Keyset cursor for session listings: the (createdAt, id) of the last row, base64url-encoded. */
export function encodeSessionCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeSessionCursor(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(createdAt ?? '');
  // Only what encodeSessionCursor writes: a date the database can hold, in its exact ISO form.
  if (!isUuid(id) || Number.isNaN(date.getTime()) || date.toISOString() !== createdAt) {
    throw AppError.invalidRequest('cursor: must be the nextCursor of a previous page', [{ field: 'cursor', reason: 'not a cursor from this API' }]);
  }
  return { createdAt: date, id };
}
