import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';

/** A dedicated `redis-server` on 127.0.0.1 for one test file: no persistence, no files. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Kill the server (SIGKILL, as in a crash) and wait until it is gone. */
  stop(): Promise<void>;
  /** Start it again on the same port and wait for PONG. */
  start(): Promise<void>;
  /** Freeze it (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Unfreeze it (SIGCONT). */
  resume(): void;
  /** Send one raw command (inline protocol) and return the reply line(s). */
  command(...args: string[]): Promise<string>;
}

/** A port nothing listens on right now (127.0.0.1). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** Send RESP-encoded args and resolve with the raw reply once `done(reply)` holds. */
function raw(port: number, args: readonly string[], timeoutMs = 500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no reply'));
    }, timeoutMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => {
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      );
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (complete(reply)) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
  });
}

/** Enough of RESP2 for the replies tests read: simple, error, integer, bulk and flat arrays. */
function complete(reply: string): boolean {
  const kind = reply[0];
  if (kind === '+' || kind === '-' || kind === ':') return reply.endsWith('\r\n');
  if (kind === '$') {
    const head = reply.indexOf('\r\n');
    if (head === -1) return false;
    const length = Number(reply.slice(1, head));
    return length < 0 || reply.length >= head + 2 + length + 2;
  }
  if (kind === '*') {
    const head = reply.indexOf('\r\n');
    if (head === -1) return false;
    const count = Number(reply.slice(1, head));
    let rest = reply.slice(head + 2);
    for (let i = 0; i < count; i++) {
      const line = rest.indexOf('\r\n');
      if (line === -1) return false;
      const length = Number(rest.slice(1, line));
      if (rest.length < line + 2 + length + 2) return false;
      rest = rest.slice(line + 2 + length + 2);
    }
    return true;
  }
  return false;
}

async function waitForPong(port: number, process: ChildProcess): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) throw new Error(`redis-server exited (${process.exitCode})`);
    try {
      if ((await raw(port, ['PING'], 200)).startsWith('+PONG')) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`redis-server did not answer PONG on port ${port}`);
}

export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    let missing = false;
    child.on('error', (error: NodeJS.ErrnoException) => {
      // ENOENT: no redis-server on this machine; say how to get one instead of timing out.
      if (error.code === 'ENOENT') missing = true;
    });
    await new Promise((r) => setImmediate(r));
    if (missing) {
      throw new Error(
        'redis-server is not installed: apt-get install redis-server (.ci/run installs it)',
      );
    }
    // Never leave a server behind if the test process ends early.
    const started = child;
    process.once('exit', () => started.kill('SIGKILL'));
    await waitForPong(port, child);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGKILL');
      await exited;
    },
    start,
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    command: (...args: string[]) => raw(port, args),
  };
}
