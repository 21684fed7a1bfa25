import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailJobs } from '../../src/mail/mail-jobs.js';
import { UsersService } from '../../src/users/users.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { basicAuthorization, TEST_SERVICE_CLIENT } from '../helpers/config.js';
import { HttpClient, type Reply } from '../helpers/http-client.js';
import { Mailbox } from '../helpers/mailbox.js';
import { PASSWORD, registerAndLogin, TEST_OPERATOR, uniqueEmail } from '../helpers/users.js';

// The checked-in document against the service's real answers: a scenario that
// calls every route, and each answer's status must be one the document lists
// for that route, with a body its schema accepts. Objects are closed here
// (no field the document does not name), so a field added to a view without
// its @ApiProperty fails too.
const document = JSON.parse(readFileSync(join(import.meta.dirname, '../../openapi.json'), 'utf8'));
const METRICS_TOKEN = 'metrics-token-0123456789abcdef-0123456789abcdef';
const SERVICE = { headers: { authorization: basicAuthorization(TEST_SERVICE_CLIENT) } };

/** OpenAPI 3.0's schema dialect as JSON Schema: `nullable` becomes a null type, and objects are closed (not inside allOf, whose parts each see only some fields). */
function asJsonSchema(schema: any, insideAllOf = false): any {
  if (Array.isArray(schema)) return schema.map((item) => asJsonSchema(item, insideAllOf));
  if (schema === null || typeof schema !== 'object') return schema;
  const converted: any = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    if (key === 'properties') converted.properties = Object.fromEntries(Object.entries(value as object).map(([name, property]) => [name, asJsonSchema(property)]));
    else converted[key] = asJsonSchema(value, key === 'allOf');
  }
  if (schema.properties && schema.additionalProperties === undefined && !insideAllOf) converted.additionalProperties = false;
  if (schema.nullable) return converted.$ref ? { anyOf: [converted, { type: 'null' }] } : { ...converted, type: [converted.type, 'null'] };
  return converted;
}

const ajv = new Ajv({ strict: false, allErrors: true });
// A CommonJS module: its plugin is the `default` of what ESM imports.
ajvFormats.default(ajv);
const components = asJsonSchema(document.components);
const validators = new Map<string, ValidateFunction>();

/** Fails unless the document lists this status for the route and its schema accepts the body. */
function expectDocumented(method: string, template: string, reply: Reply): Reply {
  const route = `${method} ${template}`;
  const operation = document.paths[template]?.[method.toLowerCase()];
  const response = operation?.responses?.[String(reply.status)];
  if (!response) throw new Error(`${route} answered ${reply.status}, which the document does not list (it lists ${Object.keys(operation?.responses ?? {}).join(', ')}): ${reply.text.slice(0, 200)}`);
  const media = reply.headers.get('content-type')?.split(';')[0];
  // The document may name a media type with its parameters (the metrics' version).
  const content = Object.entries((response.content ?? {}) as Record<string, { schema?: unknown }>).find(([type]) => type.split(';')[0] === media);
  const schema = content?.[1].schema;
  if (reply.status === 204 || reply.status === 304) {
    if (reply.text !== '') throw new Error(`${route} ${reply.status} has a body: ${reply.text.slice(0, 200)}`);
    return reply;
  }
  if (!schema) throw new Error(`${route} ${reply.status}: the document has no schema for ${media}`);
  const key = `${route} ${reply.status} ${media}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile({ ...asJsonSchema(schema), components });
    validators.set(key, validate);
  }
  const body = media === 'application/json' || media?.endsWith('+json') ? JSON.parse(reply.text) : reply.text;
  if (!validate(body)) throw new Error(`${route} ${reply.status}: the answer does not match the document: ${ajv.errorsText(validate.errors)}\n${reply.text.slice(0, 500)}`);
  return reply;
}

let t: TestApp;
let mailbox: Mailbox;
beforeAll(async () => {
  mailbox = await Mailbox.start();
  t = await startTestApp({ env: { SMTP_URL: mailbox.url, METRICS_TOKEN, ADMIN_CONSOLE_ENABLED: 'false' } });
});
afterAll(async () => {
  await t?.close();
  await mailbox?.close();
});

test('every route answers as the document says, successes and refusals alike', async () => {
  const anonymous = new HttpClient(t.baseUrl);
  const succeeded = new Set<string>();
  /** One call, its status as the scenario expects it, and its answer checked against the document. */
  const call = async (status: number, client: HttpClient, method: string, template: string, path: string, body?: unknown, init = {}) => {
    const reply = expectDocumented(method, template, await client.request(method, path, body, init));
    if (reply.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${reply.status}: ${reply.text.slice(0, 200)}`);
    if (status < 300) succeeded.add(`${method} ${template}`);
    return reply;
  };

  await call(200, anonymous, 'GET', '/health', '/health');
  await call(200, anonymous, 'GET', '/.well-known/jwks.json', '/.well-known/jwks.json');
  await call(200, anonymous, 'GET', '/.well-known/ssf-configuration', '/.well-known/ssf-configuration');
  await call(200, anonymous, 'GET', '/metrics', '/metrics', undefined, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  await call(401, anonymous, 'GET', '/auth/me', '/auth/me');

  // A user, on two devices.
  const user = new HttpClient(t.baseUrl);
  const email = uniqueEmail('contract');
  await call(201, user, 'POST', '/auth/register', '/auth/register', { email, password: PASSWORD });
  await call(409, user, 'POST', '/auth/register', '/auth/register', { email, password: PASSWORD });
  await call(401, user, 'POST', '/auth/login', '/auth/login', { email, password: 'not the password' });
  const login = await call(200, user, 'POST', '/auth/login', '/auth/login', { email, password: PASSWORD });
  await call(400, user, 'POST', '/auth/login', '/auth/login', { email: 'not an address', password: PASSWORD, extra: true });
  const me = await call(200, user, 'GET', '/auth/me', '/auth/me');
  await call(200, user, 'POST', '/auth/refresh', '/auth/refresh');
  const laptop = new HttpClient(t.baseUrl);
  const laptopLogin = await call(200, laptop, 'POST', '/auth/login', '/auth/login', { email, password: PASSWORD });
  await call(200, user, 'GET', '/auth/sessions', '/auth/sessions');
  await call(204, user, 'DELETE', '/auth/sessions/{id}', `/auth/sessions/${laptopLogin.body.session.id}`);
  await call(404, user, 'DELETE', '/auth/sessions/{id}', `/auth/sessions/${randomUUID()}`);
  await call(401, user, 'POST', '/auth/password', '/auth/password', { currentPassword: 'wrong password', newPassword: 'another long passphrase' });
  await call(200, user, 'POST', '/auth/password', '/auth/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase' });

  // Mailed links.
  await call(202, anonymous, 'POST', '/auth/password/forgot', '/auth/password/forgot', { email });
  await call(202, anonymous, 'POST', '/auth/email/verification-mail', '/auth/email/verification-mail', { email });
  await t.module.get(MailJobs).idle();
  await call(400, anonymous, 'POST', '/auth/email/verify', '/auth/email/verify', { token: 'not-a-token' });
  await call(204, anonymous, 'POST', '/auth/email/verify', '/auth/email/verify', { token: mailbox.tokenFor(email, 'verify-email') });
  await call(400, anonymous, 'POST', '/auth/password/reset', '/auth/password/reset', { token: 'not-a-token', password: PASSWORD });
  await call(204, anonymous, 'POST', '/auth/password/reset', '/auth/password/reset', { token: mailbox.tokenFor(email, 'reset-password'), password: PASSWORD });

  // Another service: introspection (JSON and form bodies), the feed and a Shared Signals stream.
  const service = new HttpClient(t.baseUrl, { origin: null, csrf: false });
  const device = new HttpClient(t.baseUrl);
  await call(200, device, 'POST', '/auth/login', '/auth/login', { email, password: PASSWORD });
  const accessToken = device.cookieValue('__Host-access')!;
  const active = await call(200, service, 'POST', '/oauth/introspect', '/oauth/introspect', { token: accessToken }, SERVICE);
  expect(active.body.active).toBe(true);
  const form = { headers: { ...SERVICE.headers, 'content-type': 'application/x-www-form-urlencoded' }, rawBody: 'token=forged' };
  expect((await call(200, service, 'POST', '/oauth/introspect', '/oauth/introspect', undefined, form)).body).toEqual({ active: false });
  await call(401, service, 'POST', '/oauth/introspect', '/oauth/introspect', { token: accessToken });
  await call(200, service, 'GET', '/.well-known/revoked-sessions', '/.well-known/revoked-sessions', undefined, SERVICE);
  const stream = await call(201, service, 'POST', '/ssf/stream', '/ssf/stream', {}, SERVICE);
  const streamId: string = stream.body.stream_id;
  await call(200, service, 'GET', '/ssf/stream', `/ssf/stream?stream_id=${streamId}`, undefined, SERVICE);
  await call(200, service, 'GET', '/ssf/stream', '/ssf/stream', undefined, SERVICE);
  await call(404, service, 'GET', '/ssf/stream', '/ssf/stream?stream_id=unknown', undefined, SERVICE);
  await call(200, service, 'PATCH', '/ssf/stream', '/ssf/stream', { stream_id: streamId, description: 'contract test' }, SERVICE);
  await call(200, service, 'PUT', '/ssf/stream', '/ssf/stream', { stream_id: streamId, description: 'contract test, replaced' }, SERVICE);
  await call(200, service, 'GET', '/ssf/status', `/ssf/status?stream_id=${streamId}`, undefined, SERVICE);
  await call(200, service, 'POST', '/ssf/status', '/ssf/status', { stream_id: streamId, status: 'enabled' }, SERVICE);
  await call(204, service, 'POST', '/ssf/verify', '/ssf/verify', { stream_id: streamId, state: 'contract' }, SERVICE);
  await call(200, service, 'POST', '/ssf/poll/{streamId}', `/ssf/poll/${streamId}`, { returnImmediately: true }, SERVICE);

  // An operator. The key withdrawal comes last: it ends the tokens the withdrawn key signed.
  // The refusal is asked by another user: a role granted to a session this
  // instance has already checked reaches that check through a notice, later.
  await call(403, device, 'GET', '/admin/sessions', '/admin/sessions');
  const admin = new HttpClient(t.baseUrl);
  const { email: adminEmail } = await registerAndLogin(admin);
  await t.module.get(UsersService).changeRole(adminEmail, 'admin', true, TEST_OPERATOR);
  await call(200, admin, 'GET', '/admin/users', `/admin/users?email=${encodeURIComponent(email)}`);
  await call(200, admin, 'GET', '/admin/sessions', `/admin/sessions?userId=${me.body.user.id}`);
  await call(200, admin, 'GET', '/admin/audit', `/admin/audit?userId=${me.body.user.id}`);
  await call(200, admin, 'GET', '/admin/ssf/streams', '/admin/ssf/streams');
  await call(200, admin, 'GET', '/admin/ssf/streams/{id}/dead-letters', `/admin/ssf/streams/${streamId}/dead-letters`);
  await call(200, admin, 'POST', '/admin/ssf/streams/{id}/dead-letters/retry', `/admin/ssf/streams/${streamId}/dead-letters/retry`);
  await call(200, admin, 'POST', '/admin/sessions/{id}/revoke', `/admin/sessions/${login.body.session.id}/revoke`, { reason: 'contract test' });
  await call(400, admin, 'POST', '/admin/sessions/{id}/revoke', '/admin/sessions/not-a-uuid/revoke', {});
  await call(204, device, 'POST', '/auth/logout-all', '/auth/logout-all');
  await call(200, admin, 'POST', '/admin/users/{id}/revoke-sessions', `/admin/users/${me.body.user.id}/revoke-sessions`, { reason: 'contract test' });
  await call(204, service, 'DELETE', '/ssf/stream', `/ssf/stream?stream_id=${streamId}`, undefined, SERVICE);
  const leaving = new HttpClient(t.baseUrl);
  await registerAndLogin(leaving);
  await call(401, leaving, 'DELETE', '/auth/me', '/auth/me', { password: 'not the password' });
  await call(204, leaving, 'DELETE', '/auth/me', '/auth/me', { password: PASSWORD });
  await call(204, leaving, 'POST', '/auth/logout', '/auth/logout');
  await call(200, admin, 'POST', '/admin/keys/rotate', '/admin/keys/rotate', { force: true });
  const keys = await call(200, admin, 'GET', '/admin/keys', '/admin/keys');
  const retired = keys.body.keys.find((key: { status: string }) => key.status !== 'current');
  await call(204, admin, 'POST', '/admin/keys/{kid}/withdraw', `/admin/keys/${retired.kid}/withdraw`);

  const documented = Object.entries(document.paths).flatMap(([template, item]) => Object.keys(item as object).map((method) => `${method.toUpperCase()} ${template}`));
  expect(documented.filter((route) => !succeeded.has(route))).toEqual([]);
});
