import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
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
const called = new Set<string>();

/** Fails unless the document lists this status for the route and its schema accepts the body. */
function expectDocumented(method: string, template: string, reply: Reply): Reply {
  const route = `${method} ${template}`;
  called.add(route);
  const operation = document.paths[template]?.[method.toLowerCase()];
  const response = operation?.responses?.[String(reply.status)];
  if (!response) throw new Error(`${route} answered ${reply.status}, which the document does not list (it lists ${Object.keys(operation?.responses ?? {}).join(', ')}): ${reply.text.slice(0, 200)}`);
  const media = reply.headers.get('content-type')?.split(';')[0];
  // The document may name a media type with its parameters (the metrics' version).
  const content = Object.entries((response.content ?? {}) as Record<string, { schema?: unknown }>).find(([type]) => type.split(';')[0] === media);
  const schema = content?.[1].schema;
  if (reply.status === 204 || reply.status === 304) return reply;
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
  const call = async (client: HttpClient, method: string, template: string, path: string, body?: unknown, init = {}) =>
    expectDocumented(method, template, await client.request(method, path, body, init));

  await call(anonymous, 'GET', '/health', '/health');
  await call(anonymous, 'GET', '/.well-known/jwks.json', '/.well-known/jwks.json');
  await call(anonymous, 'GET', '/.well-known/ssf-configuration', '/.well-known/ssf-configuration');
  await call(anonymous, 'GET', '/metrics', '/metrics', undefined, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  await call(anonymous, 'GET', '/auth/me', '/auth/me');

  // A user, on two devices.
  const user = new HttpClient(t.baseUrl);
  const email = uniqueEmail('contract');
  await call(user, 'POST', '/auth/register', '/auth/register', { email, password: PASSWORD });
  await call(user, 'POST', '/auth/register', '/auth/register', { email, password: PASSWORD });
  await call(user, 'POST', '/auth/login', '/auth/login', { email, password: 'not the password' });
  const login = await call(user, 'POST', '/auth/login', '/auth/login', { email, password: PASSWORD });
  await call(user, 'POST', '/auth/login', '/auth/login', { email: 'not an address', password: PASSWORD, extra: true });
  const me = await call(user, 'GET', '/auth/me', '/auth/me');
  await call(user, 'POST', '/auth/refresh', '/auth/refresh');
  const laptop = new HttpClient(t.baseUrl);
  const laptopLogin = await call(laptop, 'POST', '/auth/login', '/auth/login', { email, password: PASSWORD });
  await call(user, 'GET', '/auth/sessions', '/auth/sessions');
  await call(user, 'DELETE', '/auth/sessions/{id}', `/auth/sessions/${laptopLogin.body.session.id}`);
  await call(user, 'DELETE', '/auth/sessions/{id}', `/auth/sessions/${laptopLogin.body.session.id}`);
  await call(user, 'POST', '/auth/password', '/auth/password', { currentPassword: 'wrong password', newPassword: 'another long passphrase' });
  await call(user, 'POST', '/auth/password', '/auth/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase' });

  // Mailed links.
  await call(anonymous, 'POST', '/auth/password/forgot', '/auth/password/forgot', { email });
  await call(anonymous, 'POST', '/auth/email/verification-mail', '/auth/email/verification-mail', { email });
  await t.module.get(MailJobs).idle();
  await call(anonymous, 'POST', '/auth/email/verify', '/auth/email/verify', { token: 'not-a-token' });
  await call(anonymous, 'POST', '/auth/email/verify', '/auth/email/verify', { token: mailbox.tokenFor(email, 'verify-email') });
  await call(anonymous, 'POST', '/auth/password/reset', '/auth/password/reset', { token: 'not-a-token', password: PASSWORD });
  await call(anonymous, 'POST', '/auth/password/reset', '/auth/password/reset', { token: mailbox.tokenFor(email, 'reset-password'), password: PASSWORD });

  // Another service: introspection, the feed and a Shared Signals stream.
  const service = new HttpClient(t.baseUrl, { origin: null, csrf: false });
  const device = new HttpClient(t.baseUrl);
  await call(device, 'POST', '/auth/login', '/auth/login', { email, password: PASSWORD });
  const accessToken = device.cookieValue('__Host-access')!;
  await call(service, 'POST', '/oauth/introspect', '/oauth/introspect', { token: accessToken }, SERVICE);
  await call(service, 'POST', '/oauth/introspect', '/oauth/introspect', { token: 'forged' }, SERVICE);
  await call(service, 'POST', '/oauth/introspect', '/oauth/introspect', { token: accessToken });
  await call(service, 'GET', '/.well-known/revoked-sessions', '/.well-known/revoked-sessions', undefined, SERVICE);
  const stream = await call(service, 'POST', '/ssf/stream', '/ssf/stream', {}, SERVICE);
  const streamId: string = stream.body.stream_id;
  await call(service, 'GET', '/ssf/stream', `/ssf/stream?stream_id=${streamId}`, undefined, SERVICE);
  await call(service, 'GET', '/ssf/stream', '/ssf/stream', undefined, SERVICE);
  await call(service, 'GET', '/ssf/stream', '/ssf/stream?stream_id=unknown', undefined, SERVICE);
  await call(service, 'PATCH', '/ssf/stream', '/ssf/stream', { stream_id: streamId, description: 'contract test' }, SERVICE);
  await call(service, 'PUT', '/ssf/stream', '/ssf/stream', { stream_id: streamId, description: 'contract test, replaced' }, SERVICE);
  await call(service, 'GET', '/ssf/status', `/ssf/status?stream_id=${streamId}`, undefined, SERVICE);
  await call(service, 'POST', '/ssf/status', '/ssf/status', { stream_id: streamId, status: 'enabled' }, SERVICE);
  await call(service, 'POST', '/ssf/verify', '/ssf/verify', { stream_id: streamId, state: 'contract' }, SERVICE);
  await call(service, 'POST', '/ssf/poll/{streamId}', `/ssf/poll/${streamId}`, { returnImmediately: true }, SERVICE);

  // An operator.
  const admin = new HttpClient(t.baseUrl);
  const { email: adminEmail } = await registerAndLogin(admin);
  await call(user, 'GET', '/admin/sessions', '/admin/sessions');
  await t.module.get(UsersService).changeRole(adminEmail, 'admin', true, TEST_OPERATOR);
  await call(admin, 'GET', '/admin/users', `/admin/users?email=${encodeURIComponent(email)}`);
  await call(admin, 'GET', '/admin/sessions', `/admin/sessions?userId=${me.body.user.id}`);
  await call(admin, 'GET', '/admin/audit', `/admin/audit?userId=${me.body.user.id}`);
  await call(admin, 'POST', '/admin/sessions/{id}/revoke', `/admin/sessions/${login.body.session.id}/revoke`, { reason: 'contract test' });
  await call(admin, 'POST', '/admin/sessions/{id}/revoke', '/admin/sessions/not-a-uuid/revoke', {});
  await call(admin, 'POST', '/admin/users/{id}/revoke-sessions', `/admin/users/${me.body.user.id}/revoke-sessions`, { reason: 'contract test' });
  await call(admin, 'POST', '/admin/keys/rotate', '/admin/keys/rotate', { force: true });
  const keys = await call(admin, 'GET', '/admin/keys', '/admin/keys');
  const retired = keys.body.keys.find((key: { status: string }) => key.status !== 'current');
  await call(admin, 'POST', '/admin/keys/{kid}/withdraw', `/admin/keys/${retired?.kid ?? 'unknown'}/withdraw`);
  await call(admin, 'GET', '/admin/ssf/streams', '/admin/ssf/streams');
  await call(admin, 'GET', '/admin/ssf/streams/{id}/dead-letters', `/admin/ssf/streams/${streamId}/dead-letters`);
  await call(admin, 'POST', '/admin/ssf/streams/{id}/dead-letters/retry', `/admin/ssf/streams/${streamId}/dead-letters/retry`);

  await call(service, 'DELETE', '/ssf/stream', `/ssf/stream?stream_id=${streamId}`, undefined, SERVICE);
  await call(device, 'POST', '/auth/logout-all', '/auth/logout-all');
  const leaving = new HttpClient(t.baseUrl);
  await registerAndLogin(leaving);
  await call(leaving, 'DELETE', '/auth/me', '/auth/me', { password: 'not the password' });
  await call(leaving, 'DELETE', '/auth/me', '/auth/me', { password: PASSWORD });
  await call(leaving, 'POST', '/auth/logout', '/auth/logout');

  const documented = Object.entries(document.paths).flatMap(([template, item]) => Object.keys(item as object).map((method) => `${method.toUpperCase()} ${template}`));
  expect(documented.filter((route) => !called.has(route))).toEqual([]);
});
