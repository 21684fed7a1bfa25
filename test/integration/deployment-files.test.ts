import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { infrastructureAvailable } from '../helpers/infrastructure.js';

// docker-compose.yml and the balancer's configuration cannot be run here (no
// Docker engine), but they can be checked by the real tools.
const ROOT = join(import.meta.dirname, '../..');
const SECRETS = { REFRESH_TOKEN_PEPPER: 'x'.repeat(48), KEY_ENCRYPTION_SECRET: 'y'.repeat(48) };

function run(command: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
}

const compose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
if (!compose && process.env.REQUIRE_INFRASTRUCTURE_TESTS === '1') throw new Error('docker-compose is required (REQUIRE_INFRASTRUCTURE_TESTS=1)');

(compose ? describe : describe.skip)('docker-compose.yml (checked by docker-compose, not run)', () => {
  test('is valid with and without the cluster profile', () => {
    expect(run('docker-compose', ['config', '-q'], SECRETS).status).toBe(0);
    const services = run('docker-compose', ['--profile', 'cluster', 'config', '--services'], SECRETS);
    expect(services.status).toBe(0);
    expect(services.stdout.trim().split('\n').sort()).toEqual(['auth', 'auth-1', 'auth-2', 'auth-3', 'balancer', 'pgbouncer', 'postgres']);
  });

  test('refuses to start without the secrets: they have no defaults', () => {
    const result = run('docker-compose', ['config', '-q']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('openssl rand');
  });
});

(infrastructureAvailable('haproxy') ? test : test.skip)("deploy/haproxy.cfg is a configuration HAProxy accepts", () => {
  const result = run('haproxy', ['-c', '-f', 'deploy/haproxy.cfg']);
  expect(result.status).toBe(0);
});
