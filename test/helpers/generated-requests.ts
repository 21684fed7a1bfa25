import fc from 'fast-check';
import { PASSWORD } from './users.js';

/**
 * Generated requests for every route of the service (fast-check
 * arbitraries): path parameters, query strings and JSON bodies full of wrong
 * types, unknown and prototype keys, huge strings, odd Unicode (lone
 * surrogates included), deep nesting and numbers written as strings. The
 * envelope (method, content type, Origin, CSRF header, credentials) is
 * added when the request is sent, so that the input reaches validation.
 */

/** Ids known only once the fixtures exist (and that change when a session is re-opened): resolved when the request is sent. */
export type FixtureSymbol = 'memberUser' | 'memberSession' | 'adminUser' | 'adminSession' | 'currentKid' | 'nextKid';

/** One path segment or query component: text to percent-encode, bytes already encoded (possibly badly), or a fixture id. */
export type Piece = { text: string } | { encoded: string } | { symbol: FixtureSymbol; upper: boolean };

export type GeneratedBody =
  | { kind: 'none' }
  /** `application/x-www-form-urlencoded`, which the OAuth route takes besides JSON. */
  | { kind: 'form'; text: string; passwords: string[] }
  /** JSON text as generated (valid JSON, possibly with duplicate or prototype keys); `passwords` are the password values it carries. */
  | { kind: 'json'; text: string; passwords: string[] }
  /** Bytes that are not (or not only) well-formed JSON in UTF-8. */
  | { kind: 'bytes'; bytes: Buffer; passwords: string[] };

/** A member's or an admin's access token, or a service client's Basic credential. */
export type Credentials = 'none' | 'member' | 'admin' | 'service';

export interface RouteSpec {
  /** `METHOD /template`, e.g. `POST /admin/sessions/:id/revoke`. */
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  template: string;
  credentials: Credentials;
  /** Sends the member's refresh cookie (refresh and logout act on it). */
  refreshCookie: boolean;
  /** A 2xx of this route may end the member's or the admin's session: the fixtures are re-opened. */
  endsSessions: boolean;
  /** The route checks its input (body DTO, query DTO or path parameter): some answers must be 400 with details. */
  validates: boolean;
  arbitrary: fc.Arbitrary<GeneratedRequest>;
}

export interface GeneratedRequest {
  route: string;
  params: Record<string, Piece>;
  query: Array<[Piece, Piece | null]>;
  body: GeneratedBody;
  /** Bearer header or access cookie for routes that need one. */
  bearer: boolean;
}

export const MEMBER_EMAIL = 'member@generated-input.example.test';
/** Stands for the member's current access token in a generated body, JSON or form (introspection); replaced when the request is sent. */
export const MEMBER_ACCESS_TOKEN = 'MEMBER-ACCESS-TOKEN-TO-BE-FILLED-IN';
export const ADMIN_EMAIL = 'admin@generated-input.example.test';

// ---- text ----------------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
const oddCharacter = fc.constantFrom(
  '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u00a0', '\u200b', '\u200d', '\u202e', '\u2028', '\u2066',
  '\ufeff', '\ufffd', '\uffff', '\u{10ffff}', '\u{1f600}', 'e\u0301', '\u0130', '\u00df', '\ufb00', '\uff20', '\u0430',
  '\u0391', '\u05d0', '\u4e00', '\\', '"', "'", '%', '/', '.', '..', ';', '=', '&', '?', '#', '+', ' ', '\n', '\r\n', '\t',
);
const oddText = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), oddCharacter, loneSurrogate), {
    maxLength: 10,
  })
  .map((parts) => parts.join(''));
/** Around and beyond every length limit (254 for emails, 256 for passwords, 16 KiB for bodies; URLs stay under Node's 16 KiB of headers). */
const huge = (lengths: number[]) =>
  fc
    .tuple(fc.constantFrom(...lengths), fc.integer({ min: -2, max: 2 }), fc.constantFrom('x', 'é', '\u{1f600}', '\u0000', 'a@', '\ud800'))
    .map(([length, delta, unit]) => unit.repeat(Math.max(1, Math.floor((length + delta) / unit.length))));
const hugeText = huge([100, 255, 257, 2_000, 9_000, 17_000]);
const numberAsText = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc.constantFrom('NaN', 'Infinity', '-0', '1e400', '0x1F', ' 7', '7 ', '1_000', '\uff17', '00000000000000000001', '1.0', '+1', '9'.repeat(19)),
);
const emailLike = fc.oneof(
  fc.emailAddress(),
  fc.tuple(fc.emailAddress(), oddText, fc.nat()).map(([email, odd, at]) => email.slice(0, at % email.length) + odd + email.slice(at % email.length)),
  fc.constantFrom(
    MEMBER_EMAIL, MEMBER_EMAIL.toUpperCase(), ` ${MEMBER_EMAIL} `, ADMIN_EMAIL, 'a@b', '@', 'x@', '@example.test', 'x@localhost', 'x@127.0.0.1',
    'x@[::1]', '\u0430lice@example.test', '\uff41lice@example.test', 'alice@ex\u0430mple.test', 'a"b@example.test', 'x@xn--.test',
    'x@-example.test', `${'a'.repeat(64)}@${'b'.repeat(63)}.test`,
  ),
);
const uuidLike = fc.oneof(
  fc.uuid(),
  fc.uuid().map((uuid) => uuid.toUpperCase()),
  fc.uuid().map((uuid) => ` ${uuid}`),
  fc.uuid().map((uuid) => uuid.replaceAll('-', '')),
  fc.uuid().map((uuid) => `{${uuid}}`),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
);
const isoLike = fc.oneof(
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(
    '2020-02-30T00:00:00Z', '9999-12-31T23:59:59.999Z', '0000-01-01T00:00:00Z', '2026-01-01', '2026-13-01T00:00:00Z',
    '2026-01-01T24:00:00Z', '1970-01-01T00:00:00+14:00', '2026-01-01T00:00:00.123456789Z', '-000001-01-01T00:00:00Z',
  ),
);

function textWith(long: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: oddText },
    { weight: 1, arbitrary: long },
    { weight: 2, arbitrary: numberAsText },
    { weight: 2, arbitrary: emailLike },
    { weight: 2, arbitrary: uuidLike },
    { weight: 1, arbitrary: isoLike },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', 'true', 'false', 'null', 'undefined', 'active', 'ended', 'all', 'admin', PASSWORD, '[]', '{}', '__proto__') },
  );
}

/** Any text a JSON field might receive. */
const text = textWith(hugeText);
/** The same in a URL, where the long ones stop at a few kilobytes once encoded. */
const urlText = textWith(huge([100, 255, 257, 600]));

// ---- JSON ----------------------------------------------------------------

/** A JSON value as text; `string` is its value when it is a string, `passwords` the strings held under a `password` key (never to be echoed). */
interface JsonText {
  text: string;
  string?: string;
  passwords: string[];
}

const literal = (text: string): JsonText => ({ text, passwords: [] });
const jsonString = (value: string): JsonText => ({ text: JSON.stringify(value), string: value, passwords: [] });

const prototypeKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then');
const anyKey = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('email', 'password', 'force', 'isAdmin', 'roles', 'id', '$ne', 'email.x', '', 'EMAIL', 'email\u0000', 'password ') },
  { weight: 2, arbitrary: prototypeKey },
  { weight: 3, arbitrary: oddText },
  { weight: 1, arbitrary: hugeText },
);

const numberLiteral = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
  fc.constantFrom('1e400', '-1e400', '-0', '0.0000000000000000000001', '123456789012345678901234567890', '1E2', '5e-324', '0'),
);

const scalar: fc.Arbitrary<JsonText> = fc.oneof(
  { weight: 4, arbitrary: text.map(jsonString) },
  { weight: 2, arbitrary: numberLiteral.map(literal) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null').map(literal) },
);

function objectText(entries: Array<[string, JsonText]>): JsonText {
  return {
    text: `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value.text}`).join(',')}}`,
    passwords: entries.flatMap(([key, value]) => [...(key === 'password' && value.string !== undefined ? [value.string] : []), ...value.passwords]),
  };
}

const { value: jsonValue } = fc.letrec<{ value: JsonText; array: JsonText; object: JsonText }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc
    .array(tie('value'), { maxLength: 4 })
    .map((items) => ({ text: `[${items.map((item) => item.text).join(',')}]`, passwords: items.flatMap((item) => item.passwords) })),
  object: fc.array(fc.tuple(anyKey, tie('value')), { maxLength: 4 }).map(objectText),
}));

/** Nesting around and far beyond the parser's 32 levels. */
const deeplyNested = fc
  .tuple(fc.constantFrom(31, 32, 33, 100, 3000), fc.boolean(), jsonValue)
  .map(([depth, arrays, inner]) => ({
    text: arrays ? '['.repeat(depth) + inner.text + ']'.repeat(depth) : '{"a":'.repeat(depth) + inner.text + '}'.repeat(depth),
    passwords: inner.passwords,
  }));

/**
 * An object shaped like a route's DTO: each known field present or not,
 * holding a plausible or an arbitrary value, plus unknown or prototype keys,
 * in any order (a repeated key is possible: JSON.parse keeps the last).
 */
function dtoObject(fields: Record<string, fc.Arbitrary<JsonText>>): fc.Arbitrary<JsonText> {
  const known = Object.entries(fields).map(([key, plausible]) =>
    fc.option(fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 2, arbitrary: jsonValue }).map((value): [string, JsonText] => [key, value]), {
      freq: 5,
    }),
  );
  const extra = fc.array(fc.tuple(anyKey, jsonValue), { maxLength: 2 });
  return fc
    .tuple(fc.tuple(...known), fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extra }))
    .chain(([present, unknown]) => {
      const entries = [...present.filter((entry): entry is [string, JsonText] => entry !== null), ...unknown];
      return fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length });
    })
    .map(objectText);
}

const credentialsBody = dtoObject({
  email: fc.oneof(emailLike, fc.constant(MEMBER_EMAIL)).map(jsonString),
  password: fc.oneof(fc.constant(PASSWORD), fc.string({ minLength: 1, maxLength: 300 }), text).map(jsonString),
});
/** Now and then the right credentials, so that the success path is walked too. */
const validCredentials = fc
  .tuple(fc.oneof(fc.constant(MEMBER_EMAIL), fc.nat(50).map((n) => `generated${n}@example.test`)), fc.boolean())
  .map(([email, passwordFirst]) => {
    const entries: Array<[string, JsonText]> = [
      ['email', jsonString(email)],
      ['password', jsonString(PASSWORD)],
    ];
    return objectText(passwordFirst ? entries.reverse() : entries);
  });
const credentialsOrValid = fc.oneof({ weight: 1, arbitrary: validCredentials }, { weight: 6, arbitrary: credentialsBody });
const rotateKeysBody = dtoObject({ force: fc.constantFrom('true', 'false', '"true"', '1', '0', 'null', '[true]', '{}').map(literal) });

const tokenText = fc.oneof(
  { weight: 3, arbitrary: fc.constant(MEMBER_ACCESS_TOKEN) },
  { weight: 2, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom('eyJhbGciOiJub25lIn0.e30.', 'a.b.c', 'x'.repeat(4096), 'x'.repeat(4097)) },
);
const tokenTypeHint = fc.oneof(fc.constantFrom('access_token', 'refresh_token', 'ACCESS_TOKEN', 'id_token', ''), text);
const introspectionBody = dtoObject({ token: tokenText.map(jsonString), token_type_hint: tokenTypeHint.map(jsonString) });

/** A form as RFC 7662 sends it: the route's names (sometimes twice, which RFC 6749 refuses) and strangers, any text as values. */
const introspectionForm = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom('token', 'token_type_hint') }, { weight: 1, arbitrary: fc.oneof(prototypeKey, oddText) }),
      fc.oneof({ weight: 2, arbitrary: tokenText }, { weight: 1, arbitrary: tokenTypeHint }),
      fc.boolean(),
    ),
    { maxLength: 4 },
  )
  .map((pairs): GeneratedBody => ({
    kind: 'form',
    text: pairs.map(([name, value, plus]) => `${percentEncode(name)}=${plus ? percentEncode(value).replaceAll('%20', '+') : percentEncode(value)}`).join('&'),
    passwords: [],
  }));

/** Ways to spoil a JSON text at the byte level. */
const mangled = fc.tuple(jsonValue, fc.nat(), fc.integer({ min: 0, max: 8 })).map(([value, at, how]): GeneratedBody => {
  const source = Buffer.from(value.text, 'utf8');
  const cut = source.length === 0 ? 0 : at % source.length;
  const spoilt = [
    () => source.subarray(0, cut),
    () => Buffer.concat([source.subarray(0, cut), Buffer.from([0xff, 0xfe]), source.subarray(cut)]),
    () => Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('@example.test","password":"long enough pw"}')]),
    () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), source]),
    () => Buffer.concat([source, Buffer.from(' trailing')]),
    () => Buffer.from(value.text.replaceAll('"', "'")),
    () => Buffer.from('   \r\n\t '),
    () => Buffer.from('{"a":1,}'),
    () => Buffer.from('NaN'),
  ][how]!;
  return { kind: 'bytes', bytes: spoilt(), passwords: value.passwords };
});

function body(shaped: fc.Arbitrary<JsonText> | undefined, form?: fc.Arbitrary<GeneratedBody>): fc.Arbitrary<GeneratedBody> {
  const asJson = (arbitrary: fc.Arbitrary<JsonText>) => arbitrary.map((value): GeneratedBody => ({ kind: 'json', text: value.text, passwords: value.passwords }));
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<GeneratedBody>({ kind: 'none' }) },
    { weight: shaped ? 6 : 1, arbitrary: asJson(shaped ?? jsonValue) },
    { weight: 2, arbitrary: asJson(jsonValue) },
    { weight: 1, arbitrary: asJson(deeplyNested) },
    { weight: 1, arbitrary: mangled },
    ...(form ? [{ weight: 4, arbitrary: form }] : []),
  );
}

// ---- path and query ------------------------------------------------------

const badlyEncoded = fc.constantFrom('%', '%zz', '%ff', '%c0%af', '%ed%a0%80', '..', '.', '%2e%2e', '%2F', '%00', '%25', '+', '%u0041');
const textPiece = (arbitrary: fc.Arbitrary<string>) => arbitrary.map((value): Piece => ({ text: value }));
const symbolPiece = (...symbols: FixtureSymbol[]) =>
  fc.tuple(fc.constantFrom(...symbols), fc.boolean()).map(([symbol, upper]): Piece => ({ symbol, upper }));
const anyPiece = fc.oneof({ weight: 5, arbitrary: textPiece(urlText) }, { weight: 1, arbitrary: badlyEncoded.map((encoded): Piece => ({ encoded })) });

const uuidPiece = (...symbols: FixtureSymbol[]) =>
  fc.oneof({ weight: 3, arbitrary: symbolPiece(...symbols) }, { weight: 3, arbitrary: textPiece(uuidLike) }, { weight: 4, arbitrary: anyPiece });

const cursorLike = fc
  .tuple(fc.oneof(isoLike, text), fc.oneof(uuidLike, text), fc.constantFrom('|', '||', ''))
  .map(([date, id, separator]) => Buffer.from(`${date}${separator}${id}`).toString('base64url'));

/** Query parameters: the route's own names (sometimes repeated) with plausible or arbitrary values, and strangers. */
function query(fields: Record<string, fc.Arbitrary<Piece>>): fc.Arbitrary<Array<[Piece, Piece | null]>> {
  const stranger = fc.tuple(
    textPiece(fc.oneof(prototypeKey, oddText, fc.constantFrom('a[b]', 'a.b', 'limit[0]'))),
    fc.option(anyPiece, { freq: 5 }),
  );
  const names = Object.keys(fields);
  if (names.length === 0) return fc.array(stranger, { maxLength: 3 });
  const known = fc.constantFrom(...names).chain((name) =>
    fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constant<Piece>({ text: name }) }, fc.constantFrom<Piece>({ text: `${name}[]` }, { text: name.toUpperCase() })),
      fc.option(fc.oneof({ weight: 3, arbitrary: fields[name]! }, { weight: 2, arbitrary: anyPiece }), { freq: 8 }),
    ),
  );
  return fc.array(fc.oneof({ weight: 4, arbitrary: known }, { weight: 1, arbitrary: stranger }), { maxLength: 4 });
}

// ---- routes --------------------------------------------------------------

interface RouteInput {
  name: string;
  credentials: Credentials;
  refreshCookie?: boolean;
  endsSessions?: boolean;
  params?: Record<string, fc.Arbitrary<Piece>>;
  query?: Record<string, fc.Arbitrary<Piece>>;
  /** For routes with a body DTO; other non-GET routes get arbitrary bodies. */
  body?: fc.Arbitrary<JsonText>;
  /** Form bodies, for the route that takes them. */
  form?: fc.Arbitrary<GeneratedBody>;
  validates?: boolean;
}

function route(input: RouteInput): RouteSpec {
  const [method, template] = input.name.split(' ') as [RouteSpec['method'], string];
  const params = input.params ?? {};
  const arbitrary = fc
    .record({
      params: Object.keys(params).length === 0 ? fc.constant({}) : fc.record(params),
      query: query(input.query ?? {}),
      body: method === 'GET' ? fc.constant<GeneratedBody>({ kind: 'none' }) : body(input.body, input.form),
      bearer: fc.boolean(),
    })
    .map((generated): GeneratedRequest => ({ route: input.name, ...generated }));
  return {
    name: input.name,
    method,
    template,
    credentials: input.credentials,
    refreshCookie: input.refreshCookie ?? false,
    endsSessions: input.endsSessions ?? false,
    validates: input.validates ?? false,
    arbitrary,
  };
}

const sessionQuery = {
  userId: fc.oneof(symbolPiece('memberUser', 'adminUser'), textPiece(uuidLike)),
  status: textPiece(fc.constantFrom('active', 'ended', 'all', 'ACTIVE', 'revoked', '')),
  limit: textPiece(fc.oneof(numberAsText, fc.constantFrom('1', '200', '201', '0'))),
  cursor: textPiece(cursorLike),
};
const auditQuery = {
  userId: fc.oneof(symbolPiece('memberUser', 'adminUser'), textPiece(uuidLike)),
  sessionId: fc.oneof(symbolPiece('memberSession', 'adminSession'), textPiece(uuidLike)),
  type: textPiece(fc.constantFrom('login_succeeded', 'refresh_token_reuse_detected', 'LOGIN', 'a'.repeat(65), 'x-y')),
  cursor: textPiece(fc.oneof(numberAsText, fc.constantFrom('1', '999999999999999999', '9999999999999999999'))),
  limit: textPiece(fc.oneof(numberAsText, fc.constantFrom('1', '500', '501', '0'))),
};

/** Every route of the controllers in src/auth, src/admin and src/health. */
export const ROUTES: RouteSpec[] = [
  route({ name: 'POST /auth/register', credentials: 'none', body: credentialsOrValid, validates: true }),
  route({ name: 'POST /auth/login', credentials: 'none', body: credentialsOrValid, validates: true }),
  route({ name: 'POST /auth/refresh', credentials: 'none', refreshCookie: true }),
  route({ name: 'POST /auth/logout', credentials: 'member', refreshCookie: true, endsSessions: true }),
  route({ name: 'POST /auth/logout-all', credentials: 'member', endsSessions: true }),
  route({ name: 'GET /auth/me', credentials: 'member' }),
  route({ name: 'GET /auth/sessions', credentials: 'member' }),
  route({
    name: 'DELETE /auth/sessions/:id',
    credentials: 'member',
    endsSessions: true,
    params: { id: uuidPiece('memberSession', 'adminSession') },
    validates: true,
  }),
  route({ name: 'GET /.well-known/jwks.json', credentials: 'none' }),
  route({ name: 'GET /.well-known/revoked-sessions', credentials: 'service', query: { since: textPiece(isoLike) }, validates: true }),
  route({ name: 'POST /oauth/introspect', credentials: 'service', body: introspectionBody, form: introspectionForm, validates: true }),
  route({ name: 'GET /health', credentials: 'none' }),
  route({ name: 'GET /admin/sessions', credentials: 'admin', query: sessionQuery, validates: true }),
  route({
    name: 'POST /admin/sessions/:id/revoke',
    credentials: 'admin',
    endsSessions: true,
    params: { id: uuidPiece('memberSession', 'adminSession') },
    validates: true,
  }),
  route({
    name: 'POST /admin/users/:id/revoke-sessions',
    credentials: 'admin',
    endsSessions: true,
    params: { id: uuidPiece('memberUser', 'adminUser') },
    validates: true,
  }),
  route({ name: 'GET /admin/keys', credentials: 'admin' }),
  route({ name: 'POST /admin/keys/rotate', credentials: 'admin', body: rotateKeysBody, validates: true }),
  route({
    name: 'POST /admin/keys/:kid/withdraw',
    credentials: 'admin',
    params: {
      kid: fc.oneof(
        { weight: 2, arbitrary: symbolPiece('currentKid', 'nextKid') },
        { weight: 1, arbitrary: textPiece(fc.stringMatching(/^[A-Za-z0-9_-]{1,129}$/)) },
        { weight: 3, arbitrary: anyPiece },
      ),
    },
    validates: true,
  }),
  route({ name: 'GET /admin/audit', credentials: 'admin', query: auditQuery, validates: true }),
];

export const generatedRequest: fc.Arbitrary<GeneratedRequest> = fc.oneof(...ROUTES.map((spec) => spec.arbitrary));

// ---- encoding ------------------------------------------------------------

/** Percent-encodes every code unit, a lone surrogate as the three bytes UTF-8 would give it (which no decoder accepts). */
export function percentEncode(value: string): string {
  let out = '';
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    const next = value.charCodeAt(index + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(index, index + 2));
      index++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(value[index]!);
    }
  }
  return out;
}
