// The browser tests (test/web): Chromium from the system's packages driven by playwright-core
// against a running app. `npm run test:web`; `.ci/run` runs them once, against PostgreSQL.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/web/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    setupFiles: ['test/setup/msw.ts'],
    pool: 'forks',
    // One browser at a time: two cores.
    maxWorkers: 1,
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
