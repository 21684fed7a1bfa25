import { availableParallelism } from 'node:os';
import type { z } from 'zod';
import { type AppConfig, toAppConfig } from './app-config.js';
import { loadOrCreateDevelopmentSecrets } from './development-secrets.js';
import { describeSettings, envSchema, type Env } from './config.schema.js';

/**
 * One hash per core but one, so that a login storm leaves a core to token
 * checks and refreshes; and never every libuv thread (4 by default): DNS
 * lookups for new database connections and file work share that pool.
 */
export function defaultHashConcurrency(
  cores = availableParallelism(),
  threadPoolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4,
): number {
  return Math.max(1, Math.min(cores - 1, threadPoolSize - 1));
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: AppConfig;
  /** Said once at startup by the caller, which owns the logger. */
  warnings: string[];
}

const SECRET_NAMES = new Set(describeSettings().filter((setting) => setting.secret).map((setting) => setting.name as string));

function describe(issue: z.core.$ZodIssue, source: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? 'configuration');
  const raw = source[name];
  const shown = raw === undefined || SECRET_NAMES.has(name) ? '' : ` (got "${raw}")`;
  return `${name}: ${issue.message}${shown}`;
}

/**
 * Reads the environment once. Empty strings count as unset, so that
 * `FOO=` in an env file falls back to the default rather than failing.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): LoadedConfig {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => describe(issue, present)));
  }
  const env: Env = parsed.data;

  const warnings: string[] = [];

  let pepper = env.REFRESH_TOKEN_PEPPER;
  let keyEncryptionSecret = env.KEY_ENCRYPTION_SECRET;
  if (!pepper || !keyEncryptionSecret) {
    const generated = loadOrCreateDevelopmentSecrets(env.DATA_DIR);
    pepper ??= generated.secrets.refreshPepper;
    keyEncryptionSecret ??= generated.secrets.keyEncryptionSecret;
    warnings.push(
      `REFRESH_TOKEN_PEPPER or KEY_ENCRYPTION_SECRET is not set: using development secrets from ${generated.path}. Never do this in production.`,
    );
  }
  if (env.MAIL_ENABLED && !env.SMTP_URL) {
    warnings.push('SMTP_URL is not set: mails are written to the log as development_mail lines holding their one-time links. Development only.');
  }

  const config: AppConfig = toAppConfig(env, { refreshPepper: pepper, keyEncryptionSecret, hashConcurrency: defaultHashConcurrency() });
  return { config, warnings };
}
