/** How long a response may be used, from its Cache-Control and Age headers. */
export interface CachePolicy {
  /** Seconds from now that the response is fresh. */
  freshSeconds: number;
  /** Seconds after that during which a stale response may be used while it is revalidated (RFC 5861). */
  staleWhileRevalidateSeconds: number;
}

const DIRECTIVE = /^\s*([A-Za-z-]+)\s*(?:=\s*"?(\d+)"?)?\s*$/;

/**
 * The directives a private cache of one resource needs: max-age,
 * stale-while-revalidate, no-store and no-cache (both meaning "revalidate
 * every time", which the caller's cooldown then bounds). Unknown directives
 * and malformed values are ignored (RFC 9111 §5.2); each value is capped.
 */
export function parseCachePolicy(headers: Headers, defaultMaxAgeSeconds: number, capSeconds: number): CachePolicy {
  let maxAge: number | undefined;
  let stale = 0;
  let revalidateAlways = false;
  for (const part of (headers.get('cache-control') ?? '').split(',')) {
    const match = DIRECTIVE.exec(part);
    if (!match) continue;
    const name = match[1]!.toLowerCase();
    const value = match[2] === undefined ? undefined : Number(match[2]);
    if (name === 'no-store' || name === 'no-cache') revalidateAlways = true;
    else if (name === 'max-age' && value !== undefined) maxAge = value;
    else if (name === 'stale-while-revalidate' && value !== undefined) stale = value;
  }
  if (revalidateAlways) return { freshSeconds: 0, staleWhileRevalidateSeconds: 0 };
  const age = Number(headers.get('age') ?? 0);
  const fresh = Math.min(maxAge ?? defaultMaxAgeSeconds, capSeconds) - (Number.isFinite(age) && age > 0 ? age : 0);
  return { freshSeconds: Math.max(0, fresh), staleWhileRevalidateSeconds: Math.min(stale, capSeconds) };
}
