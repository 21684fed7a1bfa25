import { isIP } from 'node:net';
import { z } from 'zod';

export interface SettingDoc {
  doc: string;
  /** For defaults that are computed, or absent: what the table says instead of the value. */
  defaultDoc?: string;
  /** Never echoed in error messages. */
  secret?: boolean;
}

/** A setting's schema with its description attached (read back by describeSettings for the documentation). */
export const documented = <T extends z.ZodType>(schema: T, doc: SettingDoc): T => schema.meta({ ...doc });

/** Parsers for environment strings: each turns text into a bounded value, or fails with a message that says what was expected. */

export const boolean = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

/** Decimal digits only: "0x12c", "3e2" or " " are mistakes, not numbers. */
export const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number())
    .refine((value) => value >= min, { message: `must be at least ${min}` })
    .refine((value) => value <= max, { message: `must be at most ${max}` });

export const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, { message: 'must be a postgresql:// URL' });

export const secret = z.string().min(32, { message: 'must be at least 32 characters' });

const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    if (url.origin === 'null' || url.origin !== value.replace(/\/$/, '')) {
      throw new Error('not an origin');
    }
    return url.origin;
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin such as https://app.example.com` });
    return z.NEVER;
  }
});

export const originList = z
  .string()
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
  .pipe(z.array(origin));

export const cookieName = z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'must be a cookie token ([A-Za-z0-9_-])' });


/**
 * A proxy chain longer than this is unusual (CDN, load balancer, ingress);
 * a count trusts whatever sits at those positions unchecked, so a longer
 * chain must name its proxies, whose addresses are checked hop by hop.
 */
export const MAX_PROXY_HOPS = 3;

/** Wider than this is no proxy fleet: 10.0.0.0/8 is the widest private IPv4 range, /32 an ISP's whole IPv6 allocation. */
const WIDEST_PREFIX = { 4: 8, 6: 32 } as const;

/** An address that isIP accepted, as a number (IPv6 with an embedded IPv4 tail included). */
function addressValue(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split('.').reduce((value, part) => (value << 8n) | BigInt(part), 0n);
  const ipv4Tail = /\d+\.\d+\.\d+\.\d+$/.exec(address)?.[0];
  const hex = ipv4Tail
    ? `${address.slice(0, -ipv4Tail.length)}${(addressValue(ipv4Tail, 4) >> 16n).toString(16)}:${(addressValue(ipv4Tail, 4) & 0xffffn).toString(16)}`
    : address;
  const [head = '', tail] = hex.split('::');
  const before = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  const groups = tail === undefined ? before : [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return groups.reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

const dotted = (value: bigint) => [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 0xffn).join('.');

/** One TRUST_PROXY entry: an address or a CIDR range, in the spelling proxy-addr reads, or why it is refused. */
export function proxyRange(entry: string): { range: string } | { problem: string } {
  const refuse = (why: string) => ({ problem: `"${entry}" ${why}` });
  const [written = '', prefixText, extra] = entry.split('/');
  let family = isIP(written) as 0 | 4 | 6;
  if (family === 0 || written.includes('%') || extra !== undefined || (prefixText !== undefined && !/^(0|[1-9]\d{0,2})$/.test(prefixText))) {
    return refuse('is not an IP address or CIDR range');
  }
  let address = written.toLowerCase();
  let value = addressValue(address, family);
  let bits = family === 4 ? 32 : 128;
  let prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return refuse(`has a prefix longer than an IPv${family} address`);
  // ::ffff:a.b.c.d is how a dual-stack socket shows an IPv4 peer: the same range, said as IPv4.
  if (family === 6 && value >> 32n === 0xffffn && prefix >= 96) {
    [family, value, bits, prefix] = [4, value & 0xffffffffn, 32, prefix - 96];
    address = dotted(value);
  }
  if (prefix < WIDEST_PREFIX[family]) return refuse(`is too wide: at most /${WIDEST_PREFIX[family]} for IPv${family}, or any client could name its own IP`);
  if (family === 6 && prefix <= 96 && value >> BigInt(128 - prefix) === (0xffffn << 32n) >> BigInt(128 - prefix)) {
    return refuse('covers every IPv4 client (::ffff:0:0/96), so any of them could name its own IP');
  }
  if ((value & ((1n << BigInt(bits - prefix)) - 1n)) !== 0n) return refuse(`has host bits set: write the network address, or a single address without /${prefix}`);
  return { range: prefixText === undefined ? address : `${address}/${prefix}` };
}

/**
 * Which proxies may name the client in X-Forwarded-For: "false", a number of
 * hops, or the proxies' addresses and CIDR ranges. Never "trust everyone",
 * by `true`, a large count or a catch-all range: then the client picks its
 * own IP and walks past per-IP rate limits.
 */
export const trustProxy = z.string().transform((value, ctx): false | number | string => {
  const refuse = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  if (value === 'false') return false;
  if (value === 'true') return refuse('`true` is refused: it trusts every hop, so clients could name their own IP; give the number of proxies or their addresses');
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_PROXY_HOPS) {
      return refuse(`must be at most ${MAX_PROXY_HOPS} proxy hops (a count above the real chain lets clients name their own IP); for a longer chain, list the proxies' addresses/CIDR ranges`);
    }
    return hops === 0 ? false : hops;
  }
  const parsed = value.split(',').map((entry) => proxyRange(entry.trim()));
  const problems = parsed.flatMap((entry) => ('problem' in entry ? [entry.problem] : []));
  if (problems.length > 0) {
    return refuse(`must be false, a number of proxy hops (1–${MAX_PROXY_HOPS}), or proxy addresses/CIDR ranges separated by commas: ${problems.join('; ')}`);
  }
  return parsed.map((entry) => ('range' in entry ? entry.range : '')).join(',');
});

/** Words that mark a value as a sample rather than a secret (checked without case or punctuation). */
const PLACEHOLDER_WORDS = ['changeme', 'replaceme', 'placeholder', 'example', 'secret', 'password', 'default', 'insecure'];

/** Random base64 of 32 characters scores about 150, random hex of 32 never under 75; the compose placeholders score about 40. */
export const MIN_SECRET_BITS = 64;

/** How long a run of text at `start` repeats text before it (overlapping allowed, as in LZ77). */
function repeatLength(text: string, start: number): number {
  let longest = 0;
  for (let from = 0; from < start; from++) {
    let length = 0;
    while (start + length < text.length && text[from + length] === text[start + length]) length++;
    longest = Math.max(longest, length);
  }
  return longest;
}

/**
 * A rough lower bound of a secret's entropy, enough to catch the obvious:
 * characters that repeat an earlier run of three or more, or continue a run
 * of equal or consecutive characters (aaa, abc, 321), add nothing; each other
 * character adds log2(distinct characters) bits.
 */
export function estimatedSecretBits(value: string): number {
  const text = value.slice(0, 256);
  let novel = 0;
  for (let index = 0; index < text.length; ) {
    const repeated = repeatLength(text, index);
    if (repeated >= 3) {
      index += repeated;
      continue;
    }
    const step = text.charCodeAt(index) - text.charCodeAt(index - 1);
    const continuesRun = index >= 2 && Math.abs(step) <= 1 && step === text.charCodeAt(index - 1) - text.charCodeAt(index - 2);
    if (!continuesRun) novel++;
    index++;
  }
  return novel * Math.log2(new Set(text).size);
}

/** Why a secret is unfit for production, or undefined; never quotes the value. */
export function secretWeakness(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const letters = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (PLACEHOLDER_WORDS.some((word) => letters.includes(word))) {
    return 'looks like a placeholder (such as the change-me values of docker-compose.yml), not a secret';
  }
  if (estimatedSecretBits(value) < MIN_SECRET_BITS) return 'is too predictable (repeated or sequential characters)';
  return undefined;
}
