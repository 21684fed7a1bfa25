import { randomBytes, randomUUID } from 'node:crypto';
import { v7 as uuidV7 } from 'uuid';

/** Randomness, injectable so that tests can make it predictable or fail on purpose. */
export abstract class Random {
  abstract uuid(): string;
  /**
   * A UUIDv7 (RFC 9562): its first 48 bits are the time in milliseconds, the
   * other 74 random. For the rows written on every login and refresh
   * (sessions, refresh tokens): their primary keys and the parent index
   * then grow at their right edge instead of on random leaf pages of ever
   * larger indexes (docs/performance.md). It reveals when it was made, which
   * its holder knows anyway; the refresh token's secret stays 32 random bytes.
   */
  abstract timeOrderedUuid(): string;
  abstract bytes(length: number): Buffer;
}

export class CryptoRandom extends Random {
  uuid(): string {
    return randomUUID();
  }

  timeOrderedUuid(): string {
    return uuidV7();
  }

  bytes(length: number): Buffer {
    return randomBytes(length);
  }
}
