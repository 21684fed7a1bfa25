import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { pino } from 'pino';
import type { CommandContext, Operator, Services } from './cli/command-context.js';
import { EXIT } from './cli/exit-codes.js';
import { forwardToService } from './cli/forward-to-service.js';
import { type OperatorIo, terminalIo } from './cli/operator-io.js';
import { operatorSocketPath } from './cli/operator-socket.js';
import { runCli } from './cli/program.js';
import { createRootLogger, PinoNestLogger } from './common/logger.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { EmbeddedDatabaseBusy, embeddedDatabaseHolder } from './database/embedded-postgres.js';

/** The OS user, or the environment's idea of it where the user database has no entry (a container). */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

const NEEDS_NO_SERVICE = (argv: string[]) => argv.length === 0 || argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help');

/**
 * The operator's command line (`npm run cli -- <command>`; src/cli/ has the
 * commands). With the embedded development database held by `npm start`,
 * the command is sent to that service (src/cli/operator-socket.ts);
 * otherwise the CLI opens the database itself, with the service's own
 * configuration and services.
 */
async function main(argv: string[], io: OperatorIo): Promise<number> {
  const operator: Operator = { defaultActor: osUser(), host: hostname() };
  let app: INestApplicationContext | undefined;
  const local: CommandContext = {
    io,
    operator,
    async services(): Promise<Services> {
      const { config } = loadConfig();
      // Loaded on first use: help and usage errors answer without the whole service.
      const [{ NestFactory }, { AppModule }] = await Promise.all([import('@nestjs/core'), import('./app.module.js')]);
      app ??= await NestFactory.createApplicationContext(AppModule.forRoot(config), {
        // Let startup errors reach runCli, which says them in one line.
        abortOnError: false,
        // Logs on stderr: stdout carries the results (JSON with --json).
        logger: new PinoNestLogger(createRootLogger(config.log.level === 'info' ? 'warn' : config.log.level, pino.destination(2))),
      });
      return app;
    },
  };
  if (NEEDS_NO_SERVICE(argv)) return runCli(argv, local);

  const { config } = loadConfig();
  const holder = config.database.url ? undefined : embeddedDatabaseHolder(config.database.dataDir);
  if (holder !== undefined) {
    const socket = operatorSocketPath(config.database.dataDir);
    if (!existsSync(socket)) throw new EmbeddedDatabaseBusy(config.database.dataDir, holder);
    return forwardToService(socket, argv, operator, io);
  }
  try {
    return await runCli(argv, local);
  } finally {
    await app?.close();
  }
}

const io = terminalIo();
main(process.argv.slice(2), io).then(
  (code) => process.exit(code),
  (error: unknown) => {
    io.err(error instanceof ConfigError || error instanceof EmbeddedDatabaseBusy ? error.message : `failed: ${(error as Error).message}`);
    process.exit(error instanceof ConfigError ? EXIT.config : error instanceof EmbeddedDatabaseBusy ? EXIT.unavailable : EXIT.failed);
  },
);
