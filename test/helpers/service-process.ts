import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_ORIGIN } from './config.js';

const MAIN = join(import.meta.dirname, '../../dist/main.js');

/**
 * The built service (`dist/main.js`, made by `npm run build`, which `npm test`
 * runs first) as its own process, for what an in-process app cannot show:
 * signals, exit codes, crashes, several instances.
 */
export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Every JSON log line written so far. */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export const PROCESS_SECRETS = {
  REFRESH_TOKEN_PEPPER: 'process-test-pepper-6f1c2b9a4d7e3f5a8b0c1d2e',
  KEY_ENCRYPTION_SECRET: 'process-test-kek-9e8d7c6b5a4f3e2d1c0b9a8f7',
};

export async function startServiceProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build` (npm test does)');
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: databaseUrl,
      MIGRATE_ON_START: 'false',
      ARGON2_MEMORY_KIB: '256',
      ARGON2_TIME_COST: '1',
      ALLOWED_ORIGINS: TEST_ORIGIN,
      AUTH_ISSUER: 'https://auth.example.test',
      AUTH_AUDIENCE: 'example-api',
      PURGE_INTERVAL_SECONDS: '0',
      RATE_LIMIT_LOGIN_PER_IP: '100000',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '100000',
      RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: '100000',
      RATE_LIMIT_REGISTER_PER_IP: '100000',
      RATE_LIMIT_REFRESH_PER_IP: '100000',
      ...PROCESS_SECRETS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'auth service listening') resolve(String(entry.url).replace('[::1]', '127.0.0.1'));
        } catch {
          logs.push({ raw: line });
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    void exited.then(({ code }) => reject(new Error(`the service exited (${code}) before listening: ${stderr}`)));
  });
  return {
    url,
    child,
    logs,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
