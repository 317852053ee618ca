import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const FRAMEWORKS = ['express', 'hono', 'koa', 'nestjs'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A running example resource (a real child process) on 127.0.0.1. */
export interface RunningExample {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Start `examples/<framework>` exactly as its README says (`pnpm start` runs the same command),
 * in development mode, trusting the given person server; wait until it serves its metadata.
 */
export async function startExample(
  framework: Framework,
  personServer: string,
  output: (line: string) => void,
): Promise<RunningExample> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cwd = fileURLToPath(new URL(`../../${framework}/`, import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@aauth-gate/source', '--import', 'tsx', 'src/server.ts'],
    {
      cwd,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        AAUTH_RESOURCE: url,
        AAUTH_DEV: '1',
        AAUTH_PERSON_SERVERS: personServer,
        NODE_ENV: 'development',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the ${framework} example exited early:\n${log}`);
    try {
      const res = await fetch(`${url}/.well-known/aauth-resource.json`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the ${framework} example did not start within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  output(log.trim());
  return { url, child, stop };
}
