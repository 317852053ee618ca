import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '@aauth-gate/nestjs';

describe('the adapter loads NestJS 11, never 12', () => {
  it('has only @nestjs/common 11 in the module cache', () => {
    const require = createRequire(import.meta.url);
    const loaded = Object.keys(require.cache).filter((p) => p.includes('@nestjs+common@'));
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.every((p) => p.includes('@nestjs+common@11.'))).toBe(true);
  });
});
