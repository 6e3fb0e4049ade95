/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

module.exports = {
  projects: [
    {
      displayName: 'infra',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/infra'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      snapshotSerializers: ['<rootDir>/test/infra/helpers/mask-volatile.ts'],
    },
    {
      // Handlers against real engines (DynamoDB Local, s3rver, PostgreSQL, Redis) started once by
      // globalSetup. The files share the engines, so they run one at a time (support/serial.ts);
      // --runInBand is the fastest way to run this project on its own.
      displayName: 'app',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/app'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/app/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/app/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/app/support/timeouts.ts', '<rootDir>/test/app/support/serial.ts'],
    },
  ],
};
