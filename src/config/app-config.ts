/**
 * The validated configuration, grouped by the room that reads it.
 * An abstract class rather than an interface so that it doubles as the
 * dependency-injection token.
 */
export abstract class AppConfig {
  abstract readonly env: 'production' | 'development' | 'test';
  abstract readonly http: {
    host: string;
    port: number;
    /** false, a hop count, or proxy addresses (Fastify's trustProxy). */
    trustProxy: false | number | string;
    bodyLimitBytes: number;
    allowedOrigins: string[];
    csrfHeader: string;
  };
  abstract readonly log: { level: string };
  abstract readonly database: {
    /** Absent: the embedded development database is used. */
    url?: string;
    poolSize: number;
    dataDir: string;
    embeddedPort: number;
    migrateOnStart: boolean;
  };
  abstract readonly tokens: {
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    jwksMaxAgeSeconds: number;
    keyEncryptionSecret: string;
  };
  abstract readonly sessions: {
    graceSeconds: number;
    /** How long this instance trusts a positive session check; 0: never. */
    checkCacheMs: number;
    idleTtlSeconds: number;
    absoluteTtlSeconds: number;
    refreshPepper: string;
  };
  abstract readonly cookies: {
    accessName: string;
    refreshName: string;
    secure: boolean;
    domain?: string;
  };
  abstract readonly argon2: {
    memoryKiB: number;
    timeCost: number;
    parallelism: number;
    maxConcurrency: number;
    maxQueue: number;
  };
  abstract readonly rateLimits: {
    windowSeconds: number;
    loginPerIp: number;
    loginPerAccount: number;
    registerPerIp: number;
    refreshPerIp: number;
  };
  abstract readonly purge: {
    /** Ended sessions (and their tokens) are kept this long for support and forensics. */
    retentionDays: number;
    /** 0 keeps audit events forever. */
    auditRetentionDays: number;
    intervalSeconds: number;
    batchSize: number;
  };
}
