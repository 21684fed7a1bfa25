import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { OperatorSocket } from './cli/operator-socket.js';
import { createRootLogger, createServiceLogger, PinoNestLogger } from './common/logger.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { DatabaseConnection } from './database/database-connection.js';
import { GracefulShutdown } from './graceful-shutdown.js';
import { configureApp, createHttpAdapter, NEST_APP_OPTIONS } from './http-app.js';

function refuseToStart(error: ConfigError): never {
  createRootLogger('info').fatal({ problems: error.problems }, 'refusing to start: invalid configuration');
  process.stderr.write(`${error.message}\n`);
  process.exit(78);
}

async function bootstrap(): Promise<void> {
  const { config, warnings } = loadConfig();
  const root = createServiceLogger(config.log.level);
  for (const warning of warnings) root.warn(warning);

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createHttpAdapter(config), {
    ...NEST_APP_OPTIONS,
    // Startup errors reach bootstrap()'s handler, which logs them once and exits 1.
    abortOnError: false,
    logger: new PinoNestLogger(root),
  });
  const shutdown = new GracefulShutdown(root.child({ context: 'Shutdown' }));
  await configureApp(app, config, root, shutdown);
  shutdown.listen(app, app.getHttpAdapter().getInstance(), config.http.shutdownTimeoutSeconds);
  await app.listen(config.http.port, config.http.host);
  if (app.get(DatabaseConnection).embedded) await app.get(OperatorSocket).listen(config.database.dataDir);
  root.info({ url: await app.getUrl(), env: config.env }, 'auth service listening');
}

bootstrap().catch((error: unknown) => {
  // A bad setting, whether loadConfig() found it or the database did (ServerTimeZoneCheck).
  if (error instanceof ConfigError) refuseToStart(error);
  createRootLogger('info').fatal({ err: error }, 'failed to start');
  process.exit(1);
});
