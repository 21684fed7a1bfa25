import fc from 'fast-check';
import { ERROR_CATALOG, type ErrorCode } from '../../src/common/error-catalog.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { basicAuthorization, TEST_ORIGIN, TEST_SERVICE_CLIENT } from '../helpers/config.js';
import {
  ADMIN_EMAIL,
  type FixtureSymbol,
  type GeneratedBody,
  type GeneratedRequest,
  generatedRequest,
  MEMBER_ACCESS_TOKEN,
  MEMBER_EMAIL,
  percentEncode,
  type Piece,
  ROUTES,
  type RouteSpec,
} from '../helpers/generated-requests.js';
import { HttpClient, parseSetCookie } from '../helpers/http-client.js';
import { RawHttp, type RawReply, type RawRequest } from '../helpers/raw-http.js';
import { PASSWORD, TEST_OPERATOR } from '../helpers/users.js';
import { type TableSnapshot, WriteWatch } from '../helpers/write-watch.js';

// Generated input on every route, with well-formed envelopes (JSON content
// type, an allowed Origin, the CSRF header, a valid access token or refresh
// cookie where the route needs one) so that bodies, query strings and path
// parameters reach validation. For each request: no 5xx but a deliberate
// 503, every refusal in the error shape, and a refused request writes no row.
// GENERATED_INPUT_SEED replays or explores another sequence.
const SEED = Number(process.env.GENERATED_INPUT_SEED ?? 20261125);
const RUNS = 2000;
const BODY_LIMIT_BYTES = 16 * 1024;
/** Node refuses header sections over 16 KiB; the URL stays below that so that every request gets an answer. */
const MAX_URL_BYTES = 12_000;
const PARSER_DEPTH_LIMIT = 32;

/** Refusals that would mean the envelope, not the input, was judged: the generator always sends a valid one. */
const ENVELOPE_REFUSALS = new Set<string>([
  'csrf_rejected',
  'authentication_required',
  'invalid_token',
  'token_expired',
  'insufficient_role',
  'session_revoked',
  'session_expired',
  'unsupported_media_type',
  'rate_limited',
  'invalid_refresh_token',
  'invalid_client',
  'insufficient_scope',
]);
const DELIBERATE_503 = new Set<string>(['service_unavailable', 'service_busy', 'database_unavailable']);
/** Messages of a body the JSON parser refused as a whole (src/common/json-body-parser.ts): no field to name. */
const BODY_REFUSALS = [/^The body is not valid UTF-8\.$/, /^The body is not valid JSON\.$/, /^The body nests deeper than \d+ levels\.$/, /^The JSON body is empty\.$/];
/** Server-authored text (messages, reasons) never shows code or SQL; field names may echo anything the client sent. */
const LEAK = /\n\s+at |node_modules|\.[jt]s:\d+|\bSELECT\b|\bINSERT\b|\bUPDATE\b|prisma|postgres/i;

interface Identity {
  email: string;
  userId: string;
  sessionId: string;
  access: string;
  refresh: string;
}

let t: TestApp;
let raw: RawHttp;
let watch: WriteWatch;
let member: Identity;
let admin: Identity;

async function openSession(email: string): Promise<Identity> {
  const client = new HttpClient(t.baseUrl);
  const login = await client.post('/auth/login', { email, password: PASSWORD });
  if (login.status !== 200) throw new Error(`fixture login failed: ${login.status} ${login.text}`);
  return {
    email,
    userId: login.body.user.id,
    sessionId: login.body.session.id,
    access: client.cookieValue(t.config.cookies.accessName)!,
    refresh: client.cookieValue(t.config.cookies.refreshName)!,
  };
}

beforeAll(async () => {
  t = await startTestApp({
    env: {
      RATE_LIMIT_LOGIN_PER_IP: '100000',
      RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '100000',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '100000',
      RATE_LIMIT_REGISTER_PER_IP: '100000',
      RATE_LIMIT_REFRESH_PER_IP: '1000000',
    },
  });
  raw = new RawHttp(t.baseUrl);
  watch = await WriteWatch.install(t.database.url);
  for (const email of [MEMBER_EMAIL, ADMIN_EMAIL]) {
    const registered = await new HttpClient(t.baseUrl).post('/auth/register', { email, password: PASSWORD });
    if (registered.status !== 201) throw new Error(`fixture register failed: ${registered.status} ${registered.text}`);
  }
  await t.module.get(UsersService).changeRole(ADMIN_EMAIL, 'admin', true, TEST_OPERATOR);
  member = await openSession(MEMBER_EMAIL);
  admin = await openSession(ADMIN_EMAIL);
});
afterAll(async () => {
  raw?.close();
  await watch?.close();
  await t?.close();
});

// ---- sending -------------------------------------------------------------

async function resolve(symbol: FixtureSymbol): Promise<string> {
  switch (symbol) {
    case 'memberUser':
      return member.userId;
    case 'memberSession':
      return member.sessionId;
    case 'adminUser':
      return admin.userId;
    case 'adminSession':
      return admin.sessionId;
    case 'currentKid':
    case 'nextKid': {
      const { rows } = await watch.query<{ kid: string }>('SELECT kid FROM signing_keys WHERE state = $1 LIMIT 1', [symbol === 'currentKid' ? 'current' : 'next']);
      return rows[0]?.kid ?? 'no-such-key';
    }
  }
}

async function encode(piece: Piece): Promise<string> {
  if ('encoded' in piece) return piece.encoded;
  if ('text' in piece) return percentEncode(piece.text);
  const value = await resolve(piece.symbol);
  return percentEncode(piece.upper ? value.toUpperCase() : value);
}

function bodyBytes(body: GeneratedBody): Buffer {
  if (body.kind === 'none') return Buffer.alloc(0);
  if (body.kind === 'bytes') return body.bytes;
  return Buffer.from(body.text.replaceAll(MEMBER_ACCESS_TOKEN, member.access), 'utf8');
}

/** The request on the wire, and whether its path parameters could make the router refuse the URL before anything else is read. */
async function build(spec: RouteSpec, generated: GeneratedRequest): Promise<{ request: RawRequest; oddPath: boolean }> {
  let path = spec.template;
  let oddPath = false;
  for (const [name, piece] of Object.entries(generated.params)) {
    const segment = await encode(piece);
    oddPath ||= isOddSegment(segment);
    path = path.replace(`:${name}`, segment);
  }
  const pairs: string[] = [];
  for (const [key, value] of generated.query) pairs.push(value === null ? await encode(key) : `${await encode(key)}=${await encode(value)}`);
  while (pairs.length > 0 && path.length + pairs.join('&').length > MAX_URL_BYTES) pairs.pop();
  if (pairs.length > 0) path += `?${pairs.join('&')}`;

  const headers: Record<string, string> = { origin: TEST_ORIGIN, 'x-requested-with': 'fetch', accept: 'application/json' };
  const cookies: string[] = [];
  const identity = spec.credentials === 'member' ? member : spec.credentials === 'admin' ? admin : undefined;
  if (spec.credentials === 'service') headers.authorization = basicAuthorization(TEST_SERVICE_CLIENT);
  if (identity && generated.bearer) headers.authorization = `Bearer ${identity.access}`;
  if (identity && !generated.bearer) cookies.push(`${t.config.cookies.accessName}=${identity.access}`);
  if (spec.refreshCookie) cookies.push(`${t.config.cookies.refreshName}=${member.refresh}`);
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  if (spec.method === 'GET') return { request: { method: spec.method, path, headers }, oddPath };
  headers['content-type'] = generated.body.kind === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
  return { request: { method: spec.method, path, headers, body: bodyBytes(generated.body) }, oddPath };
}

/** Fastify's router refuses a parameter over 100 characters (414) or one whose escapes are not UTF-8 (400) before the route runs. */
function isOddSegment(segment: string): boolean {
  if (segment.length > 100) return true;
  try {
    decodeURIComponent(segment);
    return false;
  } catch {
    return true;
  }
}

/** A refresh rotates the member's tokens: keep the ones the answer set. */
function keepRotatedCookies(spec: RouteSpec, reply: RawReply): void {
  if (spec.credentials !== 'member' && !spec.refreshCookie) return;
  const lines = reply.headers['set-cookie'] ?? [];
  for (const cookie of lines.map(parseSetCookie)) {
    if (!cookie.value) continue;
    if (cookie.name === t.config.cookies.accessName) member.access = cookie.value;
    if (cookie.name === t.config.cookies.refreshName) member.refresh = cookie.value;
  }
}

/** Generated revocations (logout, logout-all, admin revocations) end the fixtures' sessions: open new ones. True if it did. */
async function reopenEndedSessions(): Promise<boolean> {
  const { rows } = await watch.query<{ id: string }>('SELECT id FROM sessions WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL', [
    [member.sessionId, admin.sessionId],
  ]);
  const live = new Set(rows.map((row) => row.id));
  if (!live.has(member.sessionId)) member = await openSession(MEMBER_EMAIL);
  if (!live.has(admin.sessionId)) admin = await openSession(ADMIN_EMAIL);
  return live.size < 2;
}

// ---- the oracle ----------------------------------------------------------

type BodyVerdict = 'absent' | 'acceptable' | 'too_large' | 'refused';

/** In `u` mode a proper surrogate pair is one code point, so only an unpaired half matches. */
const LONE_SURROGATE = /\p{Cs}/u;
const own = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

/**
 * Why a parsed body must be refused as a whole, if it must: nesting deeper
 * than the parser allows, a lone surrogate in a key or a string, or
 * prototype poisoning (an own `__proto__` key, or `constructor` holding an
 * object with `prototype`). Iterative: generated nesting goes thousands deep.
 */
function mustRefuse(parsed: unknown): boolean {
  const stack: Array<[unknown, number]> = [[parsed, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string' && LONE_SURROGATE.test(value)) return true;
    if (value === null || typeof value !== 'object') continue;
    if (depth > PARSER_DEPTH_LIMIT || own(value, '__proto__')) return true;
    const constructor = own(value, 'constructor') ? (value as { constructor: unknown }).constructor : undefined;
    if (constructor !== null && typeof constructor === 'object' && own(constructor, 'prototype')) return true;
    for (const [key, child] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) return true;
      stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** What the service must make of a body, judged independently of how it parses: refused as a whole, too large, or fit for validation. */
function judgeBody(method: string, body: GeneratedBody, bytes: Buffer | undefined): BodyVerdict {
  // An empty body is no body (a client that always sends Content-Type: application/json).
  if (method === 'GET' || bytes === undefined || bytes.length === 0) return 'absent';
  if (bytes.length > BODY_LIMIT_BYTES) return 'too_large';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return 'refused';
  }
  if (body.kind === 'form') {
    // RFC 6749 §3.1: a parameter sent twice is refused.
    const names = [...new URLSearchParams(text).keys()];
    return new Set(names).size === names.length ? 'acceptable' : 'refused';
  }
  try {
    return mustRefuse(JSON.parse(text)) ? 'refused' : 'acceptable';
  } catch {
    return 'refused';
  }
}

interface ErrorAnswer {
  error: ErrorCode;
  message: string;
  details?: Array<{ field: string; reason: string }>;
}

/** The router refused the URL (too long, or escapes that are not UTF-8) before the body or any parameter was looked at. */
function isUrlRefusal(reply: RawReply): boolean {
  const body = reply.body as Partial<ErrorAnswer> | undefined;
  return reply.status === 414 || (reply.status === 400 && body?.message === 'The request is invalid.' && body.details === undefined);
}

function shapeProblems(reply: RawReply): string[] {
  const problems: string[] = [];
  const body = reply.body as Partial<ErrorAnswer> | undefined;
  if (!String(reply.headers['content-type']).startsWith('application/json')) problems.push('an error answer that is not JSON');
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) return [...problems, 'an error answer without a JSON object'];
  const extra = Object.keys(body).filter((key) => !['error', 'message', 'details'].includes(key));
  if (extra.length > 0) problems.push(`unexpected keys in the error shape: ${extra.join(', ')}`);
  if (typeof body.error !== 'string' || !(body.error in ERROR_CATALOG)) return [...problems, `error is not a code of the catalog: ${JSON.stringify(body.error)}`];
  if (typeof body.message !== 'string' || body.message.length === 0) problems.push('no message');
  if (ERROR_CATALOG[body.error].status !== reply.status) problems.push(`status ${reply.status} for ${body.error} (catalog: ${ERROR_CATALOG[body.error].status})`);
  if (body.details !== undefined) {
    if (body.error !== 'invalid_request') problems.push(`details on ${body.error}`);
    const wellFormed =
      Array.isArray(body.details) &&
      body.details.length > 0 &&
      body.details.every((detail) => typeof detail?.field === 'string' && typeof detail?.reason === 'string' && detail.reason.length > 0);
    if (!wellFormed) problems.push('details are not a non-empty list of {field, reason}');
  } else if (body.error === 'invalid_request' && !isUrlRefusal(reply) && !BODY_REFUSALS.some((pattern) => pattern.test(body.message ?? ''))) {
    problems.push('invalid_request without details');
  }
  const fields = (body.details ?? []).map((detail) => String(detail?.field));
  const message = fields.reduce((text, field) => text.replaceAll(field, ''), body.message ?? '');
  const authored = [message, ...(body.details ?? []).map((detail) => detail?.reason ?? '')].join('\n');
  if (LEAK.test(authored) || /\n\s+at /.test(reply.text)) problems.push('the answer shows code, SQL or a stack');
  return problems;
}

interface Sent {
  spec: RouteSpec;
  generated: GeneratedRequest;
  verdict: BodyVerdict;
  oddPath: boolean;
}

/** `audit_events rows n→n+1, writes m→m+1`: exactly one new event and nothing else in that table. */
function isOneAuditRow(change: string): boolean {
  const match = /^audit_events rows (\d+)→(\d+), writes (\d+)→(\d+)$/.exec(change);
  return match !== null && Number(match[2]) - Number(match[1]) === 1 && Number(match[4]) - Number(match[3]) === 1;
}

function check({ spec, generated, verdict, oddPath }: Sent, reply: RawReply, changes: string[]): string[] {
  const problems: string[] = [];
  const error = (reply.body as { error?: string } | undefined)?.error;
  if (reply.status >= 500 && !(reply.status === 503 && DELIBERATE_503.has(String(error)))) problems.push(`a ${reply.status}`);
  if (reply.status === 503 && !reply.headers['retry-after']) problems.push('a 503 without Retry-After');
  if (reply.status < 200 || reply.status >= 600) problems.push(`status ${reply.status}`);
  if (reply.status >= 300) {
    problems.push(...shapeProblems(reply));
    if (ENVELOPE_REFUSALS.has(String(error))) problems.push(`the envelope was refused (${error}), not the input`);
    // A wrong password is recorded (login_failed, capped per account): the one write a refusal may make, and only that.
    const written = error === 'invalid_credentials' && spec.name === 'POST /auth/login' ? changes.filter((change) => !isOneAuditRow(change)) : changes;
    if (written.length > 0) problems.push(`a refused request wrote: ${written.join('; ')}`);
    const passwords = generated.body.kind === 'none' ? [] : generated.body.passwords;
    for (const password of passwords.filter((value) => value.length >= 10)) {
      if (reply.text.includes(password) || reply.text.includes(JSON.stringify(password).slice(1, -1))) problems.push('the answer repeats the password');
    }
  }
  const message = (reply.body as { message?: string } | undefined)?.message ?? '';
  if (isUrlRefusal(reply)) {
    if (!oddPath) problems.push('a plain URL was refused');
    return problems;
  }
  if (verdict === 'too_large' && !(reply.status === 413 && error === 'payload_too_large')) problems.push(`a body over the limit answered ${reply.status}`);
  if (verdict === 'refused' && !(reply.status === 400 && error === 'invalid_request')) problems.push(`a malformed body answered ${reply.status} ${error ?? ''}`);
  if ((verdict === 'acceptable' || verdict === 'absent') && reply.status === 400 && BODY_REFUSALS.some((pattern) => pattern.test(message))) {
    problems.push(`a well-formed body was refused as malformed: ${message}`);
  }
  if (spec.method !== 'GET' && reply.status < 300 && verdict !== 'acceptable' && verdict !== 'absent') problems.push('a malformed body was accepted');
  return problems;
}

// ---- the run -------------------------------------------------------------

function preview(value: string, length = 240): string {
  return value.length <= length ? value : `${value.slice(0, length)}… (${value.length} chars)`;
}

function describeRequest(request: RawRequest): string {
  const body = request.body === undefined ? '' : ` body ${preview(JSON.stringify(request.body.toString('utf8')))}`;
  return `${request.method} ${preview(request.path)}${body}`;
}

interface RouteStats {
  sent: number;
  accepted: number;
  detailed400: number;
  parserRefusals: number;
}

test('the write watch sees an insert and an update (so that the check below can fail)', async () => {
  const before = await watch.snapshot();
  const client = new HttpClient(t.baseUrl);
  expect((await client.post('/auth/login', { email: MEMBER_EMAIL, password: PASSWORD })).status).toBe(200);
  const afterLogin = await watch.snapshot();
  expect(afterLogin.sessions.rows).toBe(before.sessions.rows + 1);
  expect(WriteWatch.changes(before, afterLogin)).toEqual(expect.arrayContaining([expect.stringMatching(/^sessions /), expect.stringMatching(/^audit_events /)]));
  expect((await client.post('/auth/logout')).status).toBe(204);
  const afterLogout = await watch.snapshot();
  expect(afterLogout.sessions.rows).toBe(afterLogin.sessions.rows);
  expect(afterLogout.sessions.writes).toBeGreaterThan(afterLogin.sessions.writes);
});

test(`${RUNS} generated requests across every route (seed ${SEED}): no 5xx, the error shape, no write on refusal`, async () => {
  const requests = fc.sample(generatedRequest, { seed: SEED, numRuns: RUNS });
  const specs = new Map(ROUTES.map((spec) => [spec.name, spec]));
  const stats = new Map<string, RouteStats>(ROUTES.map((spec) => [spec.name, { sent: 0, accepted: 0, detailed400: 0, parserRefusals: 0 }]));
  const violations: string[] = [];
  let acceptedWrites = 0;

  let before: TableSnapshot = await watch.snapshot();
  for (const [index, generated] of requests.entries()) {
    const spec = specs.get(generated.route)!;
    const { request, oddPath } = await build(spec, generated);
    const verdict = judgeBody(spec.method, generated.body, request.body);
    let reply: RawReply;
    try {
      reply = await raw.send(request);
    } catch (error) {
      violations.push(`#${index} ${describeRequest(request)}\n  → no answer: ${(error as Error).message}`);
      before = await watch.snapshot();
      continue;
    }
    const after = await watch.snapshot();
    const changes = WriteWatch.changes(before, after);
    before = after;
    const problems = check({ spec, generated, verdict, oddPath }, reply, changes);
    if (problems.length > 0) {
      violations.push(`#${index} ${describeRequest(request)}\n  → ${reply.status} ${preview(reply.text, 400)}\n  ✗ ${problems.join('\n  ✗ ')}`);
    }

    const routeStats = stats.get(spec.name)!;
    routeStats.sent++;
    if (reply.status < 300) routeStats.accepted++;
    if (reply.status < 300 && changes.length > 0) acceptedWrites++;
    if ((reply.body as ErrorAnswer | undefined)?.details) routeStats.detailed400++;
    if (verdict === 'refused' && reply.status === 400) routeStats.parserRefusals++;

    keepRotatedCookies(spec, reply);
    // Only an accepted revocation may end a fixture's session; a refused one that did would show as a write above.
    if (spec.endsSessions && reply.status < 300 && (await reopenEndedSessions())) before = await watch.snapshot();
  }

  if (violations.length > 0) {
    throw new Error(
      `seed ${SEED}: ${violations.length} of ${RUNS} generated requests broke a rule (replay with GENERATED_INPUT_SEED=${SEED}); the first 15:\n\n` +
        violations.slice(0, 15).join('\n\n'),
    );
  }
  // The run reached what it claims to test: every route, validation on every route that validates, and the body parser.
  const coverage = ROUTES.map((spec) => ({ spec, ...stats.get(spec.name)! }));
  expect(coverage.filter((route) => route.sent < 40).map((route) => `${route.spec.name}: ${route.sent}`)).toEqual([]);
  expect(coverage.filter((route) => route.spec.validates && route.detailed400 === 0).map((route) => route.spec.name)).toEqual([]);
  expect(coverage.filter((route) => route.spec.method !== 'GET' && route.parserRefusals === 0).map((route) => route.spec.name)).toEqual([]);
  expect(coverage.filter((route) => route.accepted === 0).map((route) => route.spec.name)).toEqual([]);
  expect(acceptedWrites).toBeGreaterThan(0);
}, 300_000);
