import 'reflect-metadata';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { createRootLogger, PinoNestLogger } from './common/logger.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { PurgeService } from './retention/retention.service.js';
import { UsersService } from './users/users.service.js';

const USAGE = `usage: node dist/cli.js <command>    (npm run cli -- <command>)

commands:
  purge                     delete sessions that ended more than RETENTION_DAYS ago, audit events
                            older than AUDIT_RETENTION_DAYS, and spent SSF streams and events,
                            in batches of PURGE_BATCH_SIZE
  grant-role <email> <role> give a user a role (for example admin, for the /admin routes)
  revoke-role <email> <role>
`;

type Command = (app: INestApplicationContext, args: string[]) => Promise<void>;

const say = (line: string) => process.stderr.write(`${line}\n`);

const COMMANDS: Record<string, { arity: number; run: Command }> = {
  purge: {
    arity: 0,
    run: async (app) => {
      const result = await app.get(PurgeService).run(({ table, deletedSoFar }) => say(`  ${table}: ${deletedSoFar} deleted so far`));
      say(
        `purge done: ${result.sessionsDeleted} sessions, ${result.auditEventsDeleted} audit events, ` +
          `${result.streamsDeleted} inactive SSF streams, ${result.securityEventsDeleted} security events, ${result.batches} batches, ${result.durationMs} ms`,
      );
    },
  },
  'grant-role': {
    arity: 2,
    run: async (app, [email, role]) => {
      const user = await app.get(UsersService).changeRole(email!, role!, true);
      say(`${user.email} now has roles: ${user.roles.join(', ') || '(none)'}`);
    },
  },
  'revoke-role': {
    arity: 2,
    run: async (app, [email, role]) => {
      const user = await app.get(UsersService).changeRole(email!, role!, false);
      say(`${user.email} now has roles: ${user.roles.join(', ') || '(none)'}`);
    },
  },
};

/** Operator commands, run with the same configuration as the service. Progress and results go to stderr. */
async function main([name, ...args]: string[]): Promise<number> {
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command || args.length !== command.arity) {
    process.stderr.write(USAGE);
    return name === undefined || name === '--help' ? 0 : 64;
  }
  const { config } = loadConfig();
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    // Let startup errors reach main()'s handler, which says them in one line.
    abortOnError: false,
    logger: new PinoNestLogger(createRootLogger(config.log.level === 'info' ? 'warn' : config.log.level)),
  });
  try {
    await command.run(app, args);
    return 0;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(error instanceof ConfigError ? error.message : `failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
