import { Clock } from '../../src/common/clock.js';

/** A clock that only moves when a test moves it. */
export class FakeClock extends Clock {
  private current: number;

  constructor(start: Date = new Date()) {
    super();
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  advanceSeconds(seconds: number): void {
    this.advance(seconds * 1000);
  }

  /** Back to the real time: for an afterEach hook, so that a failed test cannot leave the clock moved for the next. */
  reset(to: Date = new Date()): void {
    this.current = to.getTime();
  }
}
