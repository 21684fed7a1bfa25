import { CryptoRandom } from '../../src/common/random.js';

/** Real randomness, except that a test can make the next id fail (a crash injected mid-operation). */
export class ControllableRandom extends CryptoRandom {
  private failNextId: Error | undefined;

  failNextUuidWith(error: Error): void {
    this.failNextId = error;
  }

  override uuid(): string {
    this.throwIfFailing();
    return super.uuid();
  }

  override timeOrderedUuid(): string {
    this.throwIfFailing();
    return super.timeOrderedUuid();
  }

  private throwIfFailing(): void {
    const failure = this.failNextId;
    if (failure) {
      this.failNextId = undefined;
      throw failure;
    }
  }
}
