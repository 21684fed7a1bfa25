import { AppError } from '../common/app-error.js';
import type { ErrorCode } from '../common/error-catalog.js';
import { ConfigError } from '../config/load-config.js';
import { isConnectionLost } from '../database/database-errors.js';
import { EmbeddedDatabaseBusy } from '../database/embedded-postgres.js';

/** What the CLI's exit status means (docs/operations.md lists them; scripts may rely on them). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  refused: 4,
  unavailable: 5,
  config: 78,
} as const;

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  invalid_request: EXIT.usage,
  not_found: EXIT.notFound,
  user_not_found: EXIT.notFound,
  session_not_found: EXIT.notFound,
  key_not_found: EXIT.notFound,
  email_taken: EXIT.refused,
  key_not_ready: EXIT.refused,
  key_is_current: EXIT.refused,
  conflict: EXIT.refused,
  service_busy: EXIT.unavailable,
  service_unavailable: EXIT.unavailable,
  database_unavailable: EXIT.unavailable,
};

export function exitCodeOf(error: unknown): number {
  if (error instanceof AppError) return BY_CODE[error.code] ?? EXIT.failed;
  if (error instanceof ConfigError) return EXIT.config;
  if (error instanceof EmbeddedDatabaseBusy || isConnectionLost(error)) return EXIT.unavailable;
  return EXIT.failed;
}
