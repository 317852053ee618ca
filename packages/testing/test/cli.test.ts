import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startResource } from './support.ts';

const cwd = fileURLToPath(new URL('..', import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), 'aauth-gate-cli-'));

// Asynchronous: the resource under test runs in this process and must keep answering.
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@aauth-gate/source',
        '--import',
        'tsx',
        'src/cli.ts',
        '--agent-provider-port',
        '0',
        '--person-server-port',
        '0',
        ...args,
      ],
      { cwd, env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: stateDir } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('the aauth-gate CLI', () => {
  let resource: Awaited<ReturnType<typeof startResource>>;
  beforeAll(async () => {
    resource = await startResource({ agentProviders: 'any', personServers: 'any' });
  });
  afterAll(() => resource.close());

  it('calls a protected endpoint, showing each challenge and retry', async () => {
    const r = await cli([`${resource.url}/notes`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('requirement=person-token');
    expect(r.stdout).toContain('requirement=auth-token;resource-token=');
    expect(r.stdout).toMatch(/→ GET \/notes {2}\[signed with auth token\]\n.*\n {2}← 200/);
  }, 70_000);

  it('sends a body with -d, prints only the body with -q, and exits 1 on a final error', async () => {
    const write = await cli(['-q', '-d', '{"text":"x"}', `${resource.url}/notes`]);
    expect(write.status, write.stderr).toBe(0);
    expect(JSON.parse(write.stdout)).toEqual({ tokenType: 'auth', scope: ['notes:write'] });
    const stopped = await cli(['--no-follow', `${resource.url}/person`]);
    expect(stopped.status).toBe(1);
    expect(stopped.stdout).toContain('requirement=person-token');
  }, 70_000);

  it('keeps its development keys between runs, so a second run is not refused as unknown_key', async () => {
    // The same issuer identifiers (ports) on both runs: the resource has cached the first keys.
    const fixed = [
      '--agent-provider-port',
      String(await freePort()),
      '--person-server-port',
      String(await freePort()),
    ];
    const first = await cli([...fixed, `${resource.url}/agent`]);
    const second = await cli([...fixed, `${resource.url}/agent`]);
    expect(first.status, first.stdout).toBe(0);
    expect(second.status, second.stdout).toBe(0);
  }, 70_000);

  it('explains usage errors with exit status 2', async () => {
    const r = await cli([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('give exactly one URL');
    expect((await cli(['--alg', 'RS256', 'http://x'])).status).toBe(2);
  }, 70_000);
});
