import type { HttpClient } from './http-client.js';

let counter = 0;

export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}.${process.pid}.${Date.now()}@example.test`;
}

export const PASSWORD = 'correct horse battery staple';

/** Registers a fresh user and logs the client in; returns the login reply. */
export async function registerAndLogin(client: HttpClient, email = uniqueEmail()) {
  const registered = await client.post('/auth/register', { email, password: PASSWORD });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${registered.text}`);
  const login = await client.post('/auth/login', { email, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { email, userId: registered.body.user.id as string, login };
}

/** A caller of the HTTP API as the services see one, for tests that call services directly. */
export const TEST_CLIENT = { ip: null, userAgent: null, origin: 'http' } as const;

/** An operator on the command line: what CLI commands pass as the actor of audited changes. */
export const TEST_OPERATOR = { id: 'test-operator', client: { ip: null, userAgent: 'auth-service CLI on test', origin: 'cli' } } as const;
