/**
 * How an error appears in a log line: what on-call needs to find the fault
 * (type, message, code, the constraint or column named, the stack, the
 * cause), and nothing of the data it was about. Driver errors carry the
 * refused row in `detail` (an email, a password hash, a token hash), pg-pool
 * attaches the whole client (connection parameters, the cancel key, the
 * queries in flight), and Prisma nests the driver error in `meta`: none of
 * that is written.
 */
const KEPT_FIELDS = ['code', 'constraint', 'table', 'column', 'routine', 'severity'] as const;
const MAX_CAUSES = 3;

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  driverError?: { kind?: string; code?: string };
  cause?: SerializedError;
  [field: string]: unknown;
}

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (error === null || typeof error !== 'object') return { type: typeof error, message: String(error) };
  const source = error as Record<string, unknown> & { constructor?: { name?: string } };
  const serialized: SerializedError = {
    type: source.constructor?.name ?? 'Object',
    message: typeof source.message === 'string' ? source.message : '',
  };
  if (typeof source.stack === 'string') serialized.stack = source.stack;
  for (const field of KEPT_FIELDS) {
    const value = source[field];
    if (typeof value === 'string' || typeof value === 'number') serialized[field] = value;
  }
  const driver = (source.meta as { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } } | undefined)?.driverAdapterError?.cause;
  if (driver) {
    serialized.driverError = {
      kind: typeof driver.kind === 'string' ? driver.kind : undefined,
      code: typeof driver.originalCode === 'string' ? driver.originalCode : undefined,
    };
  }
  if (source.cause !== undefined && source.cause !== error && depth < MAX_CAUSES) serialized.cause = serializeError(source.cause, depth + 1);
  return serialized;
}
