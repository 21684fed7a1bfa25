import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

interface LockFile {
  pid: number;
}

export class EmbeddedDatabaseBusy extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the embedded database in ${dataDir} is open in process ${pid}, which does not take CLI commands (another CLI command?). ` +
        'PGlite serves one process at a time: wait for that process to finish or stop it, or set DATABASE_URL to a PostgreSQL server. ' +
        '(While `npm start` runs, the CLI sends its commands to the service itself.)',
    );
    this.name = 'EmbeddedDatabaseBusy';
  }
}

/** Folders this process has open: a second open from here would be a second PGlite on one folder. */
const openHere = new Set<string>();

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

/** The live process (not this one) that holds the embedded database in `dataDir`, if any. */
export function embeddedDatabaseHolder(dataDir: string): number | undefined {
  const holder = readLock(join(resolve(dataDir), 'pglite.lock'));
  return holder && holder.pid !== process.pid && isAlive(holder.pid) ? holder.pid : undefined;
}

/**
 * Takes the folder's lock, or names the live process that holds it. A lock
 * left by a dead process (or by an earlier life of our own pid, after a
 * restart in a container) is moved aside atomically before it is removed, so
 * that two starters cannot both take it over.
 */
function takeLock(lockPath: string, dataDir: string): void {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      writeFileSync(lockPath, JSON.stringify({ pid: process.pid } satisfies LockFile), { flag: 'wx', mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(lockPath);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) throw new EmbeddedDatabaseBusy(dataDir, holder.pid);
    const aside = `${lockPath}.stale-${process.pid}`;
    try {
      renameSync(lockPath, aside);
      unlinkSync(aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(`could not take the embedded database lock ${lockPath}`);
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served on the wire protocol so
 * that Prisma and the migrator connect to it as to any server. Development
 * only: it has one backend, its server mixes up the messages of connections
 * that talk at once (so the service keeps one), and two PGlite instances on
 * one folder corrupt it (so the folder has one owner process, by lock file).
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedPostgres> {
  const folder = resolve(dataDir);
  const directory = join(folder, 'pglite');
  const lockPath = join(folder, 'pglite.lock');
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (openHere.has(folder)) throw new EmbeddedDatabaseBusy(folder, process.pid);
  takeLock(lockPath, folder);
  openHere.add(folder);

  const release = () => {
    openHere.delete(folder);
    unlinkSync(lockPath);
  };
  // Loaded lazily: production never pays for the WebAssembly build.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  let db: InstanceType<typeof PGlite> | undefined;
  try {
    db = await PGlite.create(directory);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 1 });
    await server.start();
    const opened = db;
    return {
      url: `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
      async stop() {
        await server.stop();
        await opened.close();
        release();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    release();
    throw error;
  }
}
