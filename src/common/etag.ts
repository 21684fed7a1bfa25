import { sha256 } from './crypto.js';

/** A strong validator for a body: the same bytes always get the same tag, on every instance. */
export function strongEtag(body: string): string {
  return `"${sha256(body).toString('base64url')}"`;
}

/**
 * Whether an If-None-Match header names `etag` (RFC 9110 §13.1.2: a list of
 * tags or `*`, compared weakly, so `W/"x"` matches `"x"`).
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}
