import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('..', import.meta.url));

function runDemo(framework: string) {
  return spawnSync(
    process.execPath,
    ['--conditions=@aauth-gate/source', '--import', 'tsx', 'src/demo.ts', '--framework', framework],
    {
      cwd,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
}

describe('pnpm demo', () => {
  it.each(['express', 'hono', 'koa', 'nestjs'])(
    'walks the whole ladder against the %s example and exits 0',
    (framework) => {
      const r = runDemo(framework);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      for (const expected of [
        'requirement=agent-token',
        'requirement=person-token',
        'requirement=auth-token;resource-token=',
        'error=revoked_jwt',
        `Every step behaved (8 steps, ${framework}).`,
      ]) {
        expect(r.stdout).toContain(expected);
      }
      expect(r.stdout.includes('\u001b[')).toBe(false); // plain when not on a terminal
    },
    130_000,
  );

  it('refuses an unknown framework', () => {
    const r = runDemo('rails');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--framework must be one of');
  });
});
