import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: { resolve: { conditions: ['@aauth-gate/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Under CI each package also writes a JSON report that .ci/run sums into one line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'vitest-report.json' }]]
      : ['default'],
  },
});
