// What a peer's processes tell the bench. Shared by both sides as types only,
// so that the bench's own type check needs none of a peer's dependencies.

/** Sent by a peer's server over IPC once it listens. */
export interface PeerReady {
  port: number;
}

/** Printed as JSON by a peer's hash-cost script. */
export interface PeerHashCost {
  /** e.g. "scrypt N=16384 r=16 p=1", read from the installed source. */
  algorithm: string;
  /** CPU milliseconds of one verification: the median over the samples. */
  cpuMs: number;
  /** The peer library's version. */
  version: string;
}
