/**
 * The signing-key lifecycle as pure rules, so that every state can be
 * tested with plain dates:
 *
 *   next ──(lead time passed, current due)──▶ current ──(successor promoted)──▶ retired ──(publishUntil)──▶ expired
 *   next or retired ──(operator, after a leak)──▶ withdrawn
 *
 * A next key is published (in the JWKS) before it signs anything, for at
 * least the lead time: every instance re-reads its keys, and every verifier's
 * JWKS cache turns over, before the first token it signs is seen. A retired
 * key stays published until every token it signed has expired.
 */

/** How often every instance re-reads the keys, so that a change made on another instance is seen. */
export const KEY_RELOAD_INTERVAL_SECONDS = 60;

/** Added to the lead time: clocks drift, and fetches take time. */
const LEAD_MARGIN_SECONDS = 60;

/**
 * A retired key stays published for the access-token lifetime plus this much:
 * other instances may sign with it until their next reload, and clocks drift.
 */
export const RETIRED_KEY_MARGIN_SECONDS = 2 * KEY_RELOAD_INTERVAL_SECONDS;

export interface LifecycleSettings {
  jwksMaxAgeSeconds: number;
  jwksStaleWhileRevalidateSeconds: number;
  accessTtlSeconds: number;
  /** 0: no scheduled rotation. */
  rotationIntervalDays: number;
}

/** How long a next key is published before it may sign: a reload, a whole JWKS cache lifetime, and a margin. */
export function publicationLeadMs(settings: LifecycleSettings): number {
  const seconds = KEY_RELOAD_INTERVAL_SECONDS + settings.jwksMaxAgeSeconds + settings.jwksStaleWhileRevalidateSeconds + LEAD_MARGIN_SECONDS;
  return seconds * 1000;
}

/** Until when a key retired at `retiredAt` stays published. */
export function retiredPublishUntil(retiredAt: Date, settings: LifecycleSettings): Date {
  return new Date(retiredAt.getTime() + (settings.accessTtlSeconds + RETIRED_KEY_MARGIN_SECONDS) * 1000);
}

export interface LifecycleKey {
  kid: string;
  state: 'next' | 'current' | 'retired' | 'expired' | 'withdrawn';
  createdAt: Date;
  activatedAt: Date | null;
  publishUntil: Date | null;
}

export type KeyStep =
  | { kind: 'stage' }
  | { kind: 'promote'; kid: string }
  | { kind: 'expire'; kid: string };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The one step of the schedule that is due at `now`, or null. Retired keys
 * leave the JWKS whether or not rotation is scheduled; staging and promoting
 * happen only when it is.
 */
export function dueKeyStep(keys: readonly LifecycleKey[], now: Date, settings: LifecycleSettings): KeyStep | null {
  const ended = keys.find((key) => key.state === 'retired' && key.publishUntil !== null && key.publishUntil <= now);
  if (ended) return { kind: 'expire', kid: ended.kid };
  if (settings.rotationIntervalDays === 0) return null;

  const current = keys.find((key) => key.state === 'current');
  if (!current) return null;
  const dueAt = (current.activatedAt ?? current.createdAt).getTime() + settings.rotationIntervalDays * DAY_MS;
  const lead = publicationLeadMs(settings);
  const next = keys.find((key) => key.state === 'next');
  if (next) {
    return now.getTime() >= dueAt && now.getTime() >= next.createdAt.getTime() + lead ? { kind: 'promote', kid: next.kid } : null;
  }
  return now.getTime() >= dueAt - lead ? { kind: 'stage' } : null;
}
