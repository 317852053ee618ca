import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', 'src');
const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) =>
  f.endsWith('.ts'),
);

describe('src is runtime-neutral', () => {
  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s imports nothing from node: and uses no Buffer or process', (file) => {
    const text = readFileSync(join(src, file), 'utf8');
    const specifiers = [
      ...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/g),
    ].map((m) => m[1] ?? m[2]);
    for (const s of specifiers) {
      expect(s).not.toMatch(/^node:/);
      expect(['@aauth-gate/core', 'hono'].includes(s as string) || s?.startsWith('./')).toBe(true);
    }
    expect(text).not.toMatch(/\bBuffer\b|\bprocess\./);
  });
});
