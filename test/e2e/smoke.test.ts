import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';
import { registerAndLogin } from '../helpers/users.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

test('login then me', async () => {
  const client = new HttpClient(t.baseUrl);
  await registerAndLogin(client);
  const me = await client.get('/auth/me');
  expect(me.status).toBe(200);
});
