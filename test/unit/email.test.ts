import { AppError } from '../../src/common/app-error.js';
import { normalizeEmail, readEmail } from '../../src/users/email.js';

describe('one spelling per mailbox', () => {
  test.each([
    ['Alice@Example.com', 'alice@example.com'],
    ['  alice@example.com\t', 'alice@example.com'],
    ['ａｌｉｃｅ@example.com', 'alice@example.com'], // fullwidth letters (NFKC)
    ['alice＠ｅｘａｍｐｌｅ．ｃｏｍ', 'alice@example.com'], // fullwidth @ and dot
    ['\ufb01le@example.com', 'file@example.com'], // the "ﬁ" ligature
    ['cafe\u0301@example.com', 'caf\u00e9@example.com'], // decomposed é
    ['user@bücher.de', 'user@xn--bcher-kva.de'], // the domain in its ASCII (punycode) form
    ['user@BÜCHER.de', 'user@xn--bcher-kva.de'],
    ['user@xn--bcher-kva.de', 'user@xn--bcher-kva.de'],
    ['жора@пример.рф', 'жора@xn--e1afmkfd.xn--p1ai'], // one script throughout: allowed
    ['山田たろう@example.jp', '山田たろう@example.jp'], // Han with Hiragana is ordinary Japanese
    ['taro.山田@example.jp', 'taro.山田@example.jp'], // and so is Latin with Han
  ])('%s is %s', (input, expected) => {
    expect(readEmail(input)).toEqual({ email: expected });
    expect(normalizeEmail(input)).toBe(expected);
  });

  test('the canonical spelling is its own canonical spelling', () => {
    for (const input of ['ａｌｉｃｅ@example.com', 'user@bücher.de', 'İris@example.com', 'жора@пример.рф']) {
      const once = normalizeEmail(input);
      expect(normalizeEmail(once)).toBe(once);
    }
  });

  test.each([
    ['a Cyrillic а among Latin letters', '\u0430lice@example.com', /Cyrillic and Latin.*before the @/],
    ['a Greek ο among Latin letters', 'b\u03bfb@example.com', /Latin and Greek.*before the @/],
    ['a Cyrillic а in the domain', 'alice@ex\u0430mple.com', /domain/],
    ['that domain already in punycode', 'alice@xn--exmple-4nf.com', /domain/],
    ['a zero-width space', 'ad\u200bmin@example.com', /invisible/],
    ['a right-to-left override', 'evil\u202egro.example@example.test', /invisible/],
    ['a lone surrogate', 'ab\ud800c@example.com', /invisible/],
    ['no @', 'alice.example.com', /email address/],
    ['nothing before the @', '@example.com', /email address/],
    ['nothing after the @', 'alice@', /email address/],
    ['a domain that is not valid IDNA', 'x@xn--zz.com', /domain/],
  ])('%s is refused with a reason that does not repeat the value', (_name, input, reason) => {
    const reading = readEmail(input);
    expect(reading.email).toBeUndefined();
    expect(reading.problem).toMatch(reason);
    expect(reading.problem).not.toContain(input);
  });

  test('normalizeEmail refuses a look-alike with a 400 invalid_request naming the field', () => {
    let thrown: unknown;
    try {
      normalizeEmail('\u0430lice@example.com');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'invalid_request', status: 400, details: [{ field: 'email', reason: expect.stringContaining('Cyrillic') }] });
  });

  test('what is not normalised: dots, plus tags and look-alikes within one script stay distinct', () => {
    expect(normalizeEmail('a.lice@example.com')).not.toBe(normalizeEmail('alice@example.com'));
    expect(normalizeEmail('alice+x@example.com')).not.toBe(normalizeEmail('alice@example.com'));
    expect(normalizeEmail('al\u0131ce@example.com')).toBe('al\u0131ce@example.com'); // Latin dotless ı: one script
  });
});
