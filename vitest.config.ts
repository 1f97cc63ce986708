import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser tests run apart, once (vitest.web.config.ts, npm run test:web).
    exclude: ['test/web/**', '**/node_modules/**'],
    globalSetup: ['test/setup/global-setup.ts'],
    setupFiles: ['test/setup/msw.ts'],
    // Two cores: two forked workers, each with its own database cloned from the template.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
