import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';
import { CryptoRandom, Random } from './random.js';

/** Side effects behind small providers, so that tests replace them rather than sleep or guess. */
@Global()
@Module({
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: Random, useClass: CryptoRandom },
  ],
  exports: [Clock, Random],
})
export class CommonModule {}
