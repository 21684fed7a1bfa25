import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, type TestingModule } from '@nestjs/testing';
import { Writable } from 'node:stream';
import { AppModule } from '../../src/app.module.js';
import { Clock } from '../../src/common/clock.js';
import { createRootLogger, PinoNestLogger } from '../../src/common/logger.js';
import { Random } from '../../src/common/random.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { DatabaseConnection } from '../../src/database/database-connection.js';
import { NotificationListener } from '../../src/database/notification-listener.js';
import { PrismaService } from '../../src/database/prisma.service.js';
import { GracefulShutdown } from '../../src/graceful-shutdown.js';
import { MailJobs } from '../../src/mail/mail-jobs.js';
import { configureApp, createHttpAdapter, NEST_APP_OPTIONS } from '../../src/http-app.js';
import { testConfig } from './config.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { eventually } from './eventually.js';
import { FakeClock } from './fake-clock.js';

export interface TestContext {
  config: AppConfig;
  clock: FakeClock;
  prisma: PrismaService;
  module: TestingModule;
  database: TestDatabase;
  /** Every log line written, when `captureLogs` was asked for. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestApp extends TestContext {
  app: NestFastifyApplication;
  baseUrl: string;
}

export interface TestOptions {
  env?: Record<string, string>;
  random?: Random;
  captureLogs?: boolean;
  /** Reuse a database (for tests that start two apps on one database). */
  database?: TestDatabase;
  /** Keep the system clock (browser tests, where the browser's clock is real too). */
  realClock?: boolean;
  /** The mail queue to use instead of the service's own (a HeldMailJobs, to hold and count mail work). */
  mailJobs?: MailJobs;
  /** Listen on this port rather than any free one (a page served by the app must be an allowed origin). */
  port?: number;
}

async function compile(options: TestOptions) {
  const database = options.database ?? (await createTestDatabase());
  const config = testConfig(database.url, options.env);
  const clock = new FakeClock();
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  if (!options.realClock) builder = builder.overrideProvider(Clock).useValue(clock);
  if (options.random) builder = builder.overrideProvider(Random).useValue(options.random);
  if (options.mailJobs) builder = builder.overrideProvider(MailJobs).useValue(options.mailJobs);
  const module = await builder.compile();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createRootLogger(options.captureLogs ? 'trace' : 'silent', sink);
  return { database, config, clock, module, logs, logger, ownsDatabase: !options.database };
}

function context(compiled: Awaited<ReturnType<typeof compile>>, shutdown: () => Promise<void>): TestContext {
  const { database, config, clock, module, logs, ownsDatabase } = compiled;
  return {
    config,
    clock,
    module,
    logs,
    database,
    prisma: module.get(PrismaService),
    async close() {
      await shutdown();
      if (ownsDatabase) await database.drop();
    },
  };
}

/**
 * Waits until the instance listens for notices (it connects in the
 * background): one sent before that is lost, and a test that changes a role
 * or a key and then waits for its notice would wait in vain.
 */
async function noticesFlowing(module: TestingModule): Promise<void> {
  if (module.get(DatabaseConnection).embedded) return;
  const listener = module.get(NotificationListener);
  await eventually(() => listener.ticket().listening, 'the notice listener is up', 10_000);
}

/** The whole module graph against a fresh database, without HTTP: for integration tests of services. */
export async function startTestContext(options: TestOptions = {}): Promise<TestContext> {
  const compiled = await compile(options);
  compiled.module.useLogger(new PinoNestLogger(compiled.logger));
  await compiled.module.init();
  await noticesFlowing(compiled.module);
  return context(compiled, () => compiled.module.close());
}

/** The real HTTP stack on an ephemeral port: for e2e tests with real cookies. */
export async function startTestApp(options: TestOptions = {}): Promise<TestApp> {
  const compiled = await compile(options);
  const { config, module, logger } = compiled;
  const app = module.createNestApplication<NestFastifyApplication>(createHttpAdapter(config), {
    ...NEST_APP_OPTIONS,
    logger: new PinoNestLogger(logger),
  });
  await configureApp(app, config, logger, new GracefulShutdown(logger));
  await app.listen(options.port ?? 0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  await noticesFlowing(module);
  return { ...context(compiled, () => app.close()), app, baseUrl };
}
