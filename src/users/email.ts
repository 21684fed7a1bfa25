import { domainToASCII, domainToUnicode } from 'node:url';
import { AppError } from '../common/app-error.js';

/**
 * One spelling per mailbox, so that an address and its look-alikes are one
 * account (or refused), at registration, at login and in the per-account
 * rate-limit key alike. What is and is not normalised: docs/passwords.md.
 */
export type EmailReading = { email: string; problem?: undefined } | { problem: string; email?: undefined };

// Lone surrogates (Cs) too: they cannot be stored as UTF-8 as they are.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/**
 * Scripts told apart when looking for mixtures; any other script counts as
 * one "other", which cannot pass for Latin next to Latin letters anyway.
 */
const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Georgian', 'Cherokee', 'Hebrew', 'Arabic', 'Syriac', 'Thaana',
  'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala',
  'Thai', 'Lao', 'Tibetan', 'Myanmar', 'Khmer', 'Mongolian', 'Ethiopic', 'Hangul', 'Hiragana', 'Katakana', 'Bopomofo', 'Han',
];
const SCRIPT_TESTS = SCRIPTS.map((name) => ({ name, test: new RegExp(`\\p{Script=${name}}`, 'u') }));
const SCRIPT_NEUTRAL = /[\p{Script=Common}\p{Script=Inherited}]/u;

/** Mixtures that are ordinary writing (Unicode TS #39, "highly restrictive"): Japanese, Chinese and Korean with Latin. */
const ORDINARY_MIXTURES = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
];

/** The scripts of `text` ("Latin and Cyrillic") when they are a mixture that could pass for one script; otherwise undefined. */
function scriptMixture(text: string): string | undefined {
  const found = new Set<string>();
  for (const character of text) {
    if (SCRIPT_NEUTRAL.test(character)) continue;
    found.add(SCRIPT_TESTS.find((script) => script.test.test(character))?.name ?? 'other');
  }
  if (found.size <= 1 || ORDINARY_MIXTURES.some((mixture) => [...found].every((name) => mixture.includes(name)))) return undefined;
  return [...found].join(' and ');
}

/** The canonical spelling of an address, or why it has none (a reason fit for a 400: it never repeats the value). */
export function readEmail(input: string): EmailReading {
  const text = input.normalize('NFKC').trim();
  if (INVISIBLE.test(text)) return { problem: 'must not contain control or invisible formatting characters' };
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return { problem: 'must be an email address' };
  // Lower-casing can decompose (İ becomes i + U+0307), hence the second normalisation.
  const local = text.slice(0, at).toLowerCase().normalize('NFKC');
  const domain = domainToASCII(text.slice(at + 1));
  if (!domain) return { problem: 'must be an email address with a valid domain name' };

  const localMixture = scriptMixture(local);
  if (localMixture) return { problem: `mixes ${localMixture} letters before the @; write it in one script` };
  for (const label of domainToUnicode(domain).split('.')) {
    const labelMixture = scriptMixture(label);
    if (labelMixture) return { problem: `mixes ${labelMixture} letters in one part of the domain name` };
  }
  return { email: `${local}@${domain}` };
}

/** The canonical spelling; a 400 `invalid_request` naming the field `email` when there is none. */
export function normalizeEmail(input: string): string {
  const reading = readEmail(input);
  if (reading.problem !== undefined) throw AppError.invalidField('email', reading.problem);
  return reading.email;
}
