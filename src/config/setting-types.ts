import { z } from 'zod';

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
 * Which proxies may name the client in X-Forwarded-For: "false", a number of
 * hops, or the proxies' addresses and CIDR ranges. Never "trust everyone":
 * then the client picks its own IP and walks past per-IP rate limits.
 */
export const trustProxy = z.string().transform((value, ctx): false | number | string => {
  if (value === 'false' || value === '0') return false;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.every((entry) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry) && entry.length > 1)) return entries.join(',');
  ctx.addIssue({ code: 'custom', message: 'must be false, a number of proxy hops, or proxy addresses/CIDR ranges separated by commas' });
  return z.NEVER;
});
