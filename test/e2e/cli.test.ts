import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { HttpClient } from '../helpers/http-client.js';
import { PROCESS_SECRETS, startServiceProcess } from '../helpers/service-process.js';
import { PASSWORD, registerAndLogin } from '../helpers/users.js';

/** Each run starts a process that loads the service: slow on a busy 2-core machine. */
const SLOW = 240_000;

/** The built CLI (`dist/cli.js`, which `npm test` builds) as the operator runs it. */
const CLI = join(import.meta.dirname, '../../dist/cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<Run> {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does)');
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', ARGON2_MEMORY_KIB: '256', ARGON2_TIME_COST: '1', PURGE_INTERVAL_SECONDS: '0', ...PROCESS_SECRETS, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the CLI against PostgreSQL (DATABASE_URL)', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url, MIGRATE_ON_START: 'false' };
  });
  afterAll(() => database?.drop());

  test('--help on every command, exit 0; usage errors exit 2 and say what is wrong', async () => {
    for (const args of [[], ['users', 'create-admin', '--help'], ['sessions', 'revoke', '--help'], ['audit', 'tail', '--help']]) {
      const run = await cli(args, {});
      expect({ args, code: run.code }).toEqual({ args, code: 0 });
      expect(run.stdout + run.stderr).toMatch(/Usage:/);
    }
    const missing = await cli(['sessions', 'revoke', '00000000-0000-4000-8000-000000000000'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--reason <text>'");
    expect((await cli(['nonsense'], env)).code).toBe(2);
  }, SLOW);

  test('create-admin (password on stdin), find, list and revoke sessions: results as JSON, audited as the operator from the cli', async () => {
    const email = `ops.${Date.now()}@example.test`;
    const created = await cli(['users', 'create-admin', email, '--password-stdin', '--actor', 'alice', '--json'], env, `${PASSWORD}\n`);
    expect(created.code).toBe(0);
    const user = JSON.parse(created.stdout).user;
    expect(user).toMatchObject({ email, roles: ['admin'] });
    expect((await cli(['users', 'create-admin', email, '--password-stdin'], env, `${PASSWORD}\n`)).code).toBe(4);
    expect((await cli(['users', 'create-admin', `short.${email}`, '--password-stdin'], env, 'short\n')).code).toBe(2);

    const found = await cli(['users', 'find', email.slice(0, 8)], env);
    expect(found.stdout).toContain(email);

    const service = await startServiceProcess(database.url);
    try {
      const client = new HttpClient(service.url);
      const login = await client.post('/auth/login', { email, password: PASSWORD }, { headers: { 'user-agent': 'Laptop/1.0' } });
      expect(login.status).toBe(200);
      const sessionId = login.body.session.id;
      const listed = await cli(['sessions', 'list', email, '--json'], env);
      expect(JSON.parse(listed.stdout).sessions).toEqual([expect.objectContaining({ id: sessionId, state: 'active', userAgent: 'Laptop/1.0', rotations: 0 })]);
      const table = await cli(['sessions', 'list', user.id], env);
      expect(table.stdout).toMatch(/session\s+state\s+device/);

      const revoked = await cli(['sessions', 'revoke', sessionId, '--reason', 'stolen laptop', '--actor', 'alice'], env);
      expect({ code: revoked.code, out: revoked.stdout.trim() }).toEqual({ code: 0, out: `revoked session ${sessionId}` });
      expect((await client.get('/auth/me')).body.error).toBe('session_revoked');
      expect((await cli(['sessions', 'revoke', '00000000-0000-4000-8000-000000000000', '--reason', 'x'], env)).code).toBe(3);

      const trail = await cli(['audit', 'tail', '--user', email, '--json'], env);
      const events = trail.stdout.trim().split('\n').map((line) => JSON.parse(line));
      expect(events.map((event) => event.type)).toEqual(['user_registered', 'login_succeeded', 'session_revoked_by_admin']);
      expect(events[0]).toMatchObject({ actor: 'alice', origin: 'cli', ip: null, userAgent: expect.stringContaining('auth-service CLI on ') });
      expect(events[2]).toMatchObject({ actor: 'alice', origin: 'cli', data: { reason: 'stolen laptop' } });
    } finally {
      await service.stop();
    }
  }, SLOW);

  test('audit tail --follow prints events committed after it started, one JSON line each, until interrupted', async () => {
    if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does)');
    const child = spawn(process.execPath, [CLI, 'audit', 'tail', '--follow', '--json', '--limit', '1', '--interval', '0.2', '--type', 'user_role_granted'], {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', ...PROCESS_SECRETS, ...env },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const email = `follow.${Date.now()}@example.test`;
    expect((await cli(['users', 'create-admin', email, '--password-stdin'], env, `${PASSWORD}\n`)).code).toBe(0);
    expect((await cli(['users', 'grant-role', email, 'support', '--actor', 'carol'], env)).code).toBe(0);
    const deadline = Date.now() + 60_000;
    while (!stdout.includes('"carol"') && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const events = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(events.at(-1)).toMatchObject({ type: 'user_role_granted', actor: 'carol', origin: 'cli', data: { role: 'support' } });
  }, SLOW);

  test('keys list and rotate, roles, and purge with progress', async () => {
    const keys = await cli(['keys', 'list', '--json'], env);
    expect(JSON.parse(keys.stdout).keys).toEqual([expect.objectContaining({ state: 'current' })]);
    const staged = await cli(['keys', 'rotate', '--json'], env);
    expect(JSON.parse(staged.stdout)).toMatchObject({ action: 'staged' });
    const early = await cli(['keys', 'rotate'], env);
    expect({ code: early.code, said: early.stderr }).toEqual({ code: 4, said: expect.stringContaining('Retry then, or force') });
    expect((await cli(['users', 'grant-role', 'nobody@example.test', 'admin'], env)).code).toBe(3);
    const purge = await cli(['purge'], { ...env, RETENTION_DAYS: '0' });
    expect(purge.code).toBe(0);
    expect(purge.stderr).toMatch(/to delete: \d+ sessions, \d+ deleted accounts, \d+ mailed tokens, \d+ audit events/);
    expect(purge.stdout).toMatch(/^purged \d+ sessions, \d+ deleted accounts, \d+ mailed tokens, \d+ audit events, \d+ inactive SSF streams and \d+ security events/);
  }, SLOW);
});

describe('the CLI while the service holds the embedded development database', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'auth-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('its commands are run by the service over the owner-only socket, with the same audit events; stopping the service hands the folder back', async () => {
    const env = { DATA_DIR: dataDir };
    const service = await startServiceProcess('', { DATABASE_URL: '', MIGRATE_ON_START: 'true', DATA_DIR: dataDir });
    try {
      const { email } = await registerAndLogin(new HttpClient(service.url));
      const listed = await cli(['sessions', 'list', email, '--json'], env);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout).sessions).toHaveLength(1);
      const revoked = await cli(['sessions', 'revoke-all', email, '--reason', 'embedded', '--actor', 'bob', '--json'], env);
      expect(JSON.parse(revoked.stdout)).toMatchObject({ revoked: 1 });
      const trail = await cli(['audit', 'tail', '--type', 'all_sessions_revoked_by_admin', '--json'], env);
      expect(JSON.parse(trail.stdout.trim())).toMatchObject({ actor: 'bob', origin: 'cli', data: { reason: 'embedded', sessions: 1 } });
      expect((await cli(['users', 'find', 'nobody-here'], env)).stdout.trim()).toBe('no user found');
      // The service asks for the password; this CLI answers from its own standard input.
      const created = await cli(['users', 'create-admin', `second.${email}`, '--password-stdin', '--json'], env, `${PASSWORD}\n`);
      expect(JSON.parse(created.stdout).user).toMatchObject({ email: `second.${email}`, roles: ['admin'] });
      expect((await new HttpClient(service.url).post('/auth/login', { email: `second.${email}`, password: PASSWORD })).status).toBe(200);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    expect(existsSync(join(dataDir, 'cli.sock'))).toBe(false);
    const alone = await cli(['keys', 'list', '--json'], { DATA_DIR: dataDir });
    expect(alone.code).toBe(0);
    expect(JSON.parse(alone.stdout).keys).toHaveLength(1);
  }, SLOW);
});
