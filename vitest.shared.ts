import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: { resolve: { conditions: ['@aauth-gate/source'] } },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
