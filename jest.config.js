/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

module.exports = {
  projects: [
    {
      // No engines and no synth: the domain, the contract, pure adapters and helpers. Seconds, for
      // the edit-test loop: npx jest --selectProjects unit
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      setupFiles: ['<rootDir>/test/unit/support/environment.ts'],
    },
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
    {
      // How the engines start and fail (scripts/local/engines.ts). No global setup: each test starts
      // what it needs, so these run even where the app project's engines cannot start.
      displayName: 'engines',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/engines'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
  ],
};
