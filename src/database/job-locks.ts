/**
 * Keys of the transaction-scoped advisory locks that make a background job
 * run on one instance at a time, or order two kinds of change (never
 * session-scoped locks: behind a pooler in transaction mode those would stay
 * behind on a shared server connection).
 */
export const JOB_LOCK = {
  /** Each retention batch: two instances purging at once take turns batch by batch. */
  retention: 0x72657465,
  /**
   * Shared by every transaction that addresses security events to the SSF
   * streams, exclusive for one that creates a stream: a new stream's backfill
   * then sees every revocation that did not see the stream, and no other.
   */
  ssfStreams: 0x73736673,
} as const;
