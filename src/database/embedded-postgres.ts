import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';

export interface EmbeddedPostgres {
  url: string;
  /** False when another process serves the data folder and we only connected to it. */
  owned: boolean;
  stop(): Promise<void>;
}

interface LockFile {
  pid: number;
  /** Written once the owner listens. */
  url?: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(lockPath: string): LockFile | undefined {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as LockFile;
  } catch {
    return undefined;
  }
}

/**
 * Becomes the owner of the data folder (true), or finds the live owner's
 * address (a string). A lock left by a dead process is removed.
 */
async function claimOrFindOwner(lockPath: string): Promise<true | string> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      writeFileSync(lockPath, JSON.stringify({ pid: process.pid } satisfies LockFile), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const lock = readLock(lockPath);
    if (lock && isAlive(lock.pid)) {
      if (lock.url) return lock.url;
    } else if (lock) {
      unlinkSync(lockPath);
      continue;
    }
    await sleep(100);
  }
  throw new Error(`the embedded database lock ${lockPath} is held but its owner never started; remove the file if no process uses it`);
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served on the wire protocol so
 * that Prisma and the migrator connect to it as to any server. Development
 * only: it has one backend, so connections take turns.
 *
 * Two PGlite instances on one folder corrupt it, so the folder has one owner
 * (a lock file with its pid and address). Another process (the CLI while
 * `npm start` runs, or a second server) connects to the owner instead.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedPostgres> {
  const directory = resolve(dataDir, 'pglite');
  const lockPath = join(resolve(dataDir), 'pglite.lock');
  mkdirSync(directory, { recursive: true, mode: 0o700 });

  const claim = await claimOrFindOwner(lockPath);
  if (claim !== true) return { url: claim, owned: false, stop: async () => {} };

  try {
    // Loaded lazily: production never pays for the WebAssembly build.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create(directory);
    // One connection at a time: the server confuses the messages of connections that talk at once.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 1 });
    await server.start();
    const url = `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, url } satisfies LockFile), { mode: 0o600 });
    return {
      url,
      owned: true,
      async stop() {
        await server.stop();
        await db.close();
        unlinkSync(lockPath);
      },
    };
  } catch (error) {
    unlinkSync(lockPath);
    throw error;
  }
}
