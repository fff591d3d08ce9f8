// Jest runs the TypeScript sources as ES modules through ts-jest (type-checking is `npm run typecheck`).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  // Every temporary folder of the run in one, removed at the end (test/support/tmpRoot.mjs).
  globalSetup: '<rootDir>/test/support/tmpRootSetup.mjs',
  globalTeardown: '<rootDir>/test/support/tmpRootTeardown.mjs',
};
