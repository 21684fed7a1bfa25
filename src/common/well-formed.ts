/** A lone surrogate: in `u` mode a proper pair is one code point, so only unpaired halves match. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The path of the first string (value or key) in `value` that is not
 * well-formed UTF-16, or undefined. Validators and the database assume
 * well-formed text; a lone surrogate made a library validator throw (a 500),
 * so such input is refused before any validator sees it.
 */
export function illFormedStringPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path || 'body' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (LONE_SURROGATE.test(key)) return childPath;
    const found = illFormedStringPath(child, childPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A body as text, or undefined when it is not valid UTF-8: refused rather than silently repaired with U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
