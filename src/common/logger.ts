import type { LoggerService } from '@nestjs/common';
import { requestContext } from '@fastify/request-context';
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger } from 'pino';
import { serializeError } from './error-serializer.js';

declare module '@fastify/request-context' {
  interface RequestContextData {
    requestId: string;
  }
}

/**
 * Keys whose values are never written, wherever they appear in a logged
 * object: a second line of defence behind not logging such things at all.
 */
const REDACTED_KEYS = [
  'password',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'cookie',
  'cookies',
  'authorization',
  'set-cookie',
];

/**
 * Work a request queued to run after its answer (a mail): its lines name
 * that request as `queuedBy`, not as `requestId`, which means "logged while
 * serving it".
 */
const afterTheAnswer = new AsyncLocalStorage<true>();

export function runAfterTheAnswer<T>(work: () => Promise<T>): Promise<T> {
  return afterTheAnswer.run(true, work);
}

export function createRootLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'auth-service' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      messageKey: 'msg',
      serializers: { err: serializeError },
      mixin: () => {
        const requestId = requestContext.get('requestId');
        if (!requestId) return {};
        return afterTheAnswer.getStore() ? { queuedBy: requestId } : { requestId };
      },
      redact: {
        // Two levels deep: each wildcard level costs time on every line, and we log flat objects.
        paths: REDACTED_KEYS.flatMap((key) => [`["${key}"]`, `*["${key}"]`]),
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * The running service's log on stdout, written asynchronously: lines that
 * arrive while a write is in flight go out together in the next one, so the
 * event loop never waits on the terminal or the log collector. pino flushes
 * what is left synchronously when the process exits (process.exit included),
 * so a shutdown's or a fatal error's last lines are not lost.
 */
export function createServiceLogger(level: string): Logger {
  return createRootLogger(level, pino.destination({ dest: 1, sync: false }));
}

/**
 * Routes Nest's own log calls (and `new Logger(Context)` in our classes)
 * into the pino logger. An object as the message becomes structured fields.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    // Nest passes the context (class name) last, and for errors a stack before it.
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const stack = level === 'error' && rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    const fields: Record<string, unknown> = { context };
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (message !== null && typeof message === 'object') {
      const { msg, ...structured } = message as Record<string, unknown>;
      this.logger[level]({ ...fields, ...structured }, typeof msg === 'string' ? msg : undefined);
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
