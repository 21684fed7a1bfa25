import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Operator, Services } from './command-context.js';
import type { OperatorIo } from './operator-io.js';
import { runCli } from './program.js';

/**
 * The embedded development database (PGlite) admits one process, and `npm
 * start` holds it. So that the CLI still works meanwhile, the service listens
 * on a Unix socket in DATA_DIR, readable and writable by its owner only (the
 * same user could open the database files directly), and runs the commands
 * it is sent with its own services: the same code, the same audit events.
 * Never with DATABASE_URL (production): there the CLI opens its own pool.
 *
 * Protocol: JSON lines. The CLI sends {type:"run", argv, operator}; the
 * service answers with {type:"out"|"err", text}, {type:"progress", label,
 * done, total}, {type:"secret", prompt, fromStdin} (the CLI replies
 * {type:"secret", value}), and finally {type:"exit", code}.
 */
export function operatorSocketPath(dataDir: string): string {
  return join(resolve(dataDir), 'cli.sock');
}

/** A line longer than this is no command line (a password is at most 256 characters). */
const MAX_LINE = 64 * 1024;

export type OperatorMessage =
  | { type: 'run'; argv: string[]; operator: Operator }
  | { type: 'secret'; value: string }
  | { type: 'out' | 'err'; text: string }
  | { type: 'progress'; label: string; done: number; total: number }
  | { type: 'ask'; prompt: string; fromStdin: boolean }
  | { type: 'exit'; code: number };

const send = (socket: Socket, message: OperatorMessage) => socket.writable && socket.write(`${JSON.stringify(message)}\n`);

function isRun(message: unknown): message is Extract<OperatorMessage, { type: 'run' }> {
  const run = message as Partial<Extract<OperatorMessage, { type: 'run' }>> | null;
  return (
    run?.type === 'run' &&
    Array.isArray(run.argv) &&
    run.argv.every((arg) => typeof arg === 'string') &&
    typeof run.operator?.defaultActor === 'string' &&
    typeof run.operator.host === 'string'
  );
}

@Injectable()
export class OperatorSocket implements OnApplicationShutdown {
  private readonly logger = new Logger(OperatorSocket.name);
  private server: Server | undefined;
  private path: string | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  /** Called by main.ts when this process owns the embedded database. */
  async listen(dataDir: string): Promise<void> {
    const path = operatorSocketPath(dataDir);
    // A socket file left by a process that died: this process owns the folder's lock now.
    if (existsSync(path)) unlinkSync(path);
    const server = createServer((socket) => void this.serve(socket));
    await new Promise<void>((done, fail) => server.once('error', fail).listen(path, done));
    chmodSync(path, 0o600);
    this.server = server;
    this.path = path;
    this.logger.log({ msg: 'the CLI can reach this service on the operator socket', path });
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.server) return;
    await new Promise((done) => this.server!.close(done));
    if (this.path && existsSync(this.path)) unlinkSync(this.path);
  }

  private async serve(socket: Socket): Promise<void> {
    const lines = createInterface({ input: socket, crlfDelay: Infinity })[Symbol.asyncIterator]();
    const closed = new AbortController();
    socket.on('close', () => closed.abort()).on('error', () => closed.abort());
    const next = async (): Promise<unknown> => {
      const { value, done } = await lines.next();
      if (done || value.length > MAX_LINE) throw new Error('the CLI went away');
      return JSON.parse(value);
    };
    try {
      const run = await next();
      if (!isRun(run)) throw new Error('expected a run message');
      const io: OperatorIo = {
        out: (text) => send(socket, { type: 'out', text }),
        err: (text) => send(socket, { type: 'err', text }),
        progress: (label, done, total) => send(socket, { type: 'progress', label, done, total }),
        async readSecret(prompt, fromStdin) {
          send(socket, { type: 'ask', prompt, fromStdin });
          const answer = (await next()) as Partial<Extract<OperatorMessage, { type: 'secret' }>>;
          if (answer?.type !== 'secret' || typeof answer.value !== 'string') throw new Error('expected the secret');
          return answer.value;
        },
        signal: closed.signal,
      };
      const services: Services = { get: (type) => this.moduleRef.get(type, { strict: false }) };
      this.logger.log({ msg: 'running a CLI command for the operator', command: run.argv.filter((arg) => !arg.startsWith('-')).slice(0, 2).join(' '), actor: run.operator.defaultActor });
      send(socket, { type: 'exit', code: await runCli(run.argv, { io, services: async () => services, operator: run.operator }) });
    } catch (error) {
      this.logger.warn({ msg: 'an operator socket conversation failed', err: error });
    } finally {
      socket.end();
    }
  }
}
