import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { IssuerDocs } from './fixture.ts';

/** A bench server in its own process (so its CPU time is its own). */
export interface BenchServer {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function startServer(framework: string, docs: IssuerDocs): Promise<BenchServer> {
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@aauth-gate/source', '--import', 'tsx', 'src/servers.ts', 'serve', framework],
    {
      cwd,
      env: { ...process.env, AAUTH_BENCH_DOCS: JSON.stringify(docs), NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(Number(line));
    });
    child.once('exit', (code) => reject(new Error(`${framework} bench server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Send `n` requests with `concurrency` in flight; count non-2xx. */
export async function hammer(
  url: string,
  headers: Record<string, string>,
  n: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next += 1;
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.status < 200 || res.status >= 300) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return errors;
}

export async function serverCpu(base: string): Promise<number> {
  return Number(await (await fetch(`${base}/__cpu`)).text());
}
