/**
 * Keys of the transaction-scoped advisory locks that make a background job
 * run on one instance at a time (never session-scoped locks: behind a pooler
 * in transaction mode those would stay behind on a shared server connection).
 */
export const JOB_LOCK = {
  /** Each retention batch: two instances purging at once take turns batch by batch. */
  retention: 0x72657465,
} as const;
