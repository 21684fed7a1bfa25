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
