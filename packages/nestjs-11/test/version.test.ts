import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

describe('this package runs NestJS 11', () => {
  it('resolves @nestjs/core and @nestjs/common to 11.x', () => {
    const require = createRequire(import.meta.url);
    expect(require('@nestjs/core/package.json').version).toMatch(/^11\./);
    expect(require('@nestjs/common/package.json').version).toMatch(/^11\./);
  });
});
