import { defineConfig } from 'vitest/config';

/** The package as users install it: `npm pack`, `npm i -g --prefix`, then the installed `gwctl`. */
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
