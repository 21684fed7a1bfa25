import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Debian's PgBouncer and HAProxy, started by the tests themselves on free
 * ports from configuration in a temporary folder (`.ci/run` installs them on
 * a machine that lacks them). Without them the tests that need them are
 * skipped with a warning, unless REQUIRE_INFRASTRUCTURE_TESTS=1 (CI) makes
 * that a failure.
 */
export function infrastructureAvailable(binary: 'pgbouncer' | 'haproxy'): boolean {
  const found = existsSync(`/usr/sbin/${binary}`) && process.getuid?.() === 0;
  if (!found && process.env.REQUIRE_INFRASTRUCTURE_TESTS === '1') {
    throw new Error(`${binary} is required (REQUIRE_INFRASTRUCTURE_TESTS=1) but /usr/sbin/${binary} is missing or the tests do not run as root`);
  }
  if (!found) console.warn(`skipping: /usr/sbin/${binary} is missing or the tests do not run as root (apt-get install ${binary})`);
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not listen on port ${port}`);
}

function stopByPidFile(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

export interface PgBouncer {
  port: number;
  /** `url` with its host and port replaced by the pooler's. */
  urlFor(url: string): string;
  stop(): void;
}

/** PgBouncer in transaction mode in front of the local PostgreSQL (it refuses to run as root: it runs as `postgres`). */
export async function startPgBouncer(target: { host: string; port: number }): Promise<PgBouncer> {
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
  const port = await freePort();
  const pidFile = join(dir, 'pgbouncer.pid');
  writeFileSync(join(dir, 'userlist.txt'), '"postgres" ""\n');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.host} port=${target.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 500',
      'default_pool_size = 20',
      'unix_socket_dir =',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${pidFile}`,
      '',
    ].join('\n'),
  );
  const postgresUid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const postgresGid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  for (const file of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, file), postgresUid, postgresGid);
  const started = spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', `pgbouncer -d ${join(dir, 'pgbouncer.ini')}`], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`pgbouncer did not start: ${started.stderr}`);
  await waitForPort(port, 'pgbouncer');
  return {
    port,
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    stop() {
      stopByPidFile(pidFile);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface HaProxy {
  url: string;
  stop(): void;
}

/**
 * HAProxy, round robin over `servers`, adding X-Forwarded-For, checking each
 * server's /health, and retrying idempotent requests on another server when
 * one goes away (never a POST: a refresh is retried by its client, inside the
 * grace window).
 */
export async function startHaProxy(servers: string[]): Promise<HaProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-'));
  const port = await freePort();
  const pidFile = join(dir, 'haproxy.pid');
  const backends = servers.map((server, index) => `  server app${index} ${new URL(server).host} check inter 300 fall 1 rise 1`);
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    [
      'global',
      '  maxconn 2000',
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 30s',
      '  timeout server 30s',
      '  option forwardfor',
      '  option redispatch',
      '  retries 3',
      '  retry-on conn-failure empty-response response-timeout 502 503 504',
      'frontend auth',
      `  bind 127.0.0.1:${port}`,
      '  default_backend instances',
      'backend instances',
      '  balance roundrobin',
      '  option httpchk GET /health',
      '  http-request disable-l7-retry if METH_POST',
      ...backends,
      '',
    ].join('\n'),
  );
  const started = spawnSync('haproxy', ['-f', join(dir, 'haproxy.cfg'), '-D', '-p', pidFile], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`haproxy did not start: ${started.stderr}`);
  await waitForPort(port, 'haproxy');
  return {
    url: `http://127.0.0.1:${port}`,
    stop() {
      stopByPidFile(pidFile);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
