// Does a login storm slow everyone else? A few connections of ordinary
// traffic (a session check) are measured alone, then while many connections
// log in with valid credentials as fast as they can. The same procedure
// serves the service and the peer.
import type autocannon from 'autocannon';
import { cannon, load, type Measurement, measurementOf, sleep, type Timing } from './measure.js';

/**
 * 5 connections stand for "everyone else" (the peer measurement DESIGN.md
 * quotes used 5); 50 for the storm. Both are closed loops, so the session
 * checks also show how much CPU the storm leaves them.
 */
export const STORM_CONNECTIONS = { check: 5, login: 50 } as const;

export interface StormResult {
  /** The session check with no logins. */
  quiet: Measurement;
  /** The same, while the logins run. */
  storm: Measurement;
  /** The logins, over the whole storm. */
  logins: Measurement;
  /** storm p99 ÷ quiet p99; null when no check was answered during the storm's measurement. */
  p99Ratio: number | null;
}

/** Logins still queued when it ends keep the server busy: the caller waits (waitIdle) before measuring anything else there. */
export async function loginStorm(check: autocannon.Options, login: autocannon.Options, timing: Timing): Promise<StormResult> {
  const quiet = await load(check, STORM_CONNECTIONS.check, timing);
  // The logins start first and outlast the check's warm-up and measurement: the hashing queue is full throughout.
  // Fifty logins queue for the hashers: a long wait is what is measured, not a failure.
  const logins = cannon({ timeout: 30, ...login, connections: STORM_CONNECTIONS.login, duration: 2 * timing.warmup + timing.measure + 1 });
  await sleep(timing.warmup * 1000);
  const storm = await load(check, STORM_CONNECTIONS.check, timing);
  const loginResult = measurementOf(await logins);
  return { quiet, storm, logins: loginResult, p99Ratio: storm.requests === 0 ? null : storm.p99 / Math.max(1, quiet.p99) };
}
