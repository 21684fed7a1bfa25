import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { createRootLogger, PinoNestLogger } from './common/logger.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { PurgeService } from './sessions/purge.service.js';

const USAGE = `usage: node dist/cli.js <command>

commands:
  purge   delete sessions that ended more than RETENTION_DAYS ago, and audit
          events older than AUDIT_RETENTION_DAYS, in batches of PURGE_BATCH_SIZE
`;

/** Operator commands, run against the same configuration as the service. Progress goes to stderr. */
async function main(command: string | undefined): Promise<number> {
  if (command !== 'purge') {
    process.stderr.write(USAGE);
    return command === undefined || command === '--help' ? 0 : 64;
  }
  const { config } = loadConfig();
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: new PinoNestLogger(createRootLogger(config.log.level === 'info' ? 'warn' : config.log.level)),
  });
  try {
    const result = await app.get(PurgeService).run(({ table, deletedSoFar }) => {
      process.stderr.write(`  ${table}: ${deletedSoFar} deleted so far\n`);
    });
    process.stderr.write(
      `purge done: ${result.sessionsDeleted} sessions, ${result.auditEventsDeleted} audit events, ` +
        `${result.batches} batches, ${result.durationMs} ms\n`,
    );
    return 0;
  } finally {
    await app.close();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
