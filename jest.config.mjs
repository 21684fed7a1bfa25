/** Jest in ESM mode (Nest 12 is ESM-only); see ../shared/STACK.md. */
const swc = {
  module: { type: 'es6' },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    // The verification kit from its sources, as the type check reads it (tsconfig.json paths).
    '^@auth-service/verify/(.*)$': '<rootDir>/packages/verify/src/$1.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/packages/*/test/**/*.test.ts'],
  setupFiles: ['<rootDir>/test/helpers/setup.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
