import { randomBytes, randomUUID } from 'node:crypto';

/** Randomness, injectable so that tests can make it predictable or fail on purpose. */
export abstract class Random {
  abstract uuid(): string;
  abstract bytes(length: number): Buffer;
}

export class CryptoRandom extends Random {
  uuid(): string {
    return randomUUID();
  }

  bytes(length: number): Buffer {
    return randomBytes(length);
  }
}
