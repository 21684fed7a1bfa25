import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface DevelopmentSecrets {
  refreshPepper: string;
  keyEncryptionSecret: string;
}

/**
 * Outside production, missing secrets are generated once and kept under the
 * data folder, so that restarts keep sessions and signing keys usable.
 * Production refuses to start without them (see config.schema.ts).
 */
export function loadOrCreateDevelopmentSecrets(dataDir: string): { path: string; secrets: DevelopmentSecrets } {
  const path = resolve(join(dataDir, 'development-secrets.json'));
  try {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<DevelopmentSecrets>;
    if (typeof stored.refreshPepper === 'string' && typeof stored.keyEncryptionSecret === 'string') {
      return { path, secrets: { refreshPepper: stored.refreshPepper, keyEncryptionSecret: stored.keyEncryptionSecret } };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secrets: DevelopmentSecrets = {
    refreshPepper: randomBytes(32).toString('base64url'),
    keyEncryptionSecret: randomBytes(32).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // 'wx' fails if another process created the file first; then read theirs.
  try {
    writeFileSync(path, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDevelopmentSecrets(dataDir);
    throw error;
  }
  return { path, secrets };
}
