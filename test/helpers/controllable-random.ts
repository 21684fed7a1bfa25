import { CryptoRandom } from '../../src/common/random.js';

/** Real randomness, except that a test can make the next uuid() call fail (a crash injected mid-operation). */
export class ControllableRandom extends CryptoRandom {
  private failNextUuid: Error | undefined;

  failNextUuidWith(error: Error): void {
    this.failNextUuid = error;
  }

  override uuid(): string {
    const failure = this.failNextUuid;
    if (failure) {
      this.failNextUuid = undefined;
      throw failure;
    }
    return super.uuid();
  }
}
