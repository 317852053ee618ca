// pnpm --filter @aauth-gate/benchmarks load:redis: a bounded load test on 127.0.0.1 of the
// Express example with its default in-memory replay and revocation stores against the same
// example with Redis stores (REDIS_URL, a redis-server started here), on the protected route
// that writes: POST /notes with an auth token, every request freshly signed (a pre-signed pool
// of distinct POSTs, each with its own note text, sent once each: `amount` = pool size).
// Rounds alternate the two servers (rotating which goes first); throughput, p99 and server CPU
// per request of Redis are printed as ratios to memory (median of per-round ratios).
// Then it checks that nothing was lost or doubled: every load request answered 201, the
// person's notes (GET /notes) are exactly the 201 answers, one note per text, and every
// replayed signature got 401 invalid_signature. Exits non-zero on any discrepancy.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  signRequest,
  type TestAgent,
} from '@aauth-gate/testing';
import autocannon, { type Request } from 'autocannon';

declare module 'autocannon' {
  interface Options {
    /** Requests to send in all, split evenly over the connections (overrides `duration`). */
    amount?: number;
  }
}

const ROUNDS = Number(process.env.LOAD_ROUNDS ?? 4);
const CONNECTIONS = 16;
/** Requests per measured run (a multiple of CONNECTIONS, so `amount` splits evenly). */
const REQUESTS = Math.ceil(Number(process.env.LOAD_REQUESTS ?? 2000) / CONNECTIONS) * CONNECTIONS;
/** Requests per store before the rounds (the server's JIT is still warming up after 500). */
const WARMUP = 2000;

type Config = 'memory' | 'redis';
const CONFIGS: readonly Config[] = ['memory', 'redis'];

// With two cores or more, the measured server gets core 1 to itself; this process (autocannon)
// and redis-server share core 0. Without taskset everything floats.
const CORES = availableParallelism();
const PIN = CORES >= 2 && hasTaskset();
function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const pinned = (core: number, command: string, args: string[]): [string, string[]] =>
  PIN ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
if (PIN) execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system) of a process in µs, from /proc; undefined elsewhere. */
const TICK_US = (() => {
  try {
    return 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  } catch {
    return 1e4;
  }
})();
function cpuMicros(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime, stime
  } catch {
    return undefined;
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(200, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      socket.end();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}

async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const [command, args] = pinned(0, 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}`, child };
    await sleep(50);
  }
  throw new Error('redis-server did not start (is it installed?)');
}

async function startExpress(personServer: string, redisUrl: string | undefined) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cwd = fileURLToPath(new URL('../../../examples/express/', import.meta.url));
  const [command, args] = pinned(1, process.execPath, [
    '--conditions=@aauth-gate/source',
    '--import',
    'tsx',
    'src/server.ts',
  ]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    AAUTH_RESOURCE: url,
    AAUTH_DEV: '1',
    AAUTH_PERSON_SERVERS: personServer,
    NODE_ENV: 'development',
  };
  if (redisUrl) {
    env.REDIS_URL = redisUrl;
    env.AAUTH_REDIS_PREFIX = `load-redis-${port}:`;
  } else delete env.REDIS_URL;
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch {
      // starting
    }
    await sleep(100);
  }
  throw new Error(`express example (${redisUrl ? 'redis' : 'memory'}) did not start`);
}

interface Signed {
  readonly text: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Distinct POST /notes requests (own text, own nonce), all signed now, inside the window. */
function signPool(url: string, agent: TestAgent, token: string, tag: string, n: number) {
  return Promise.all(
    Array.from({ length: n }, async (_, i): Promise<Signed> => {
      const text = `${tag} #${i}`;
      const body = JSON.stringify({ text });
      const headers = await signRequest({
        method: 'POST',
        url: `${url}/notes`,
        headers: { 'content-type': 'application/json' },
        body,
        key: agent.key,
        token,
      });
      return { text, headers, body };
    }),
  );
}

interface RunResult {
  rps: number;
  p99: number;
  /** Answers by status; `401` counts only `Signature-Error: error=invalid_signature`. */
  statuses: Map<string, number>;
  errors: number;
  serverCpuUs: number | undefined;
  redisCpuUs: number | undefined;
}

/** Send every request of the pool exactly once, CONNECTIONS at a time. */
async function send(
  url: string,
  pool: readonly Signed[],
  pids: { server: number | undefined; redis: number | undefined },
): Promise<RunResult> {
  let next = 0;
  let first = 0;
  let last = 0;
  const statuses = new Map<string, number>();
  const count = (key: string): void => {
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  };
  const cpu0 = { server: cpuMicros(pids.server), redis: cpuMicros(pids.redis) };
  // Built apart from the options literal: the local autocannon types do not know onResponse.
  const requests = [
    {
      setupRequest: (req: Request): Request => {
        if (next === 0) first = performance.now();
        const signed = pool[next++] as Signed;
        return {
          ...req,
          method: 'POST',
          path: '/notes',
          headers: signed.headers,
          body: signed.body,
        };
      },
      onResponse: (
        status: number,
        _body: string,
        _context: unknown,
        headers: Record<string, unknown>,
      ) => {
        last = performance.now();
        const error = headers['signature-error'];
        count(
          status === 401 && error !== 'error=invalid_signature'
            ? `401 ${String(error)}`
            : `${status}`,
        );
      },
    },
  ];
  const result = await autocannon({ url, connections: CONNECTIONS, amount: pool.length, requests });
  const seconds = (last - first) / 1000;
  const cpu1 = { server: cpuMicros(pids.server), redis: cpuMicros(pids.redis) };
  const delta = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : (b - a) / pool.length;
  if (next !== pool.length) count(`setupRequest called ${next} times for ${pool.length}`);
  return {
    // First request sent to last answer received: autocannon notices the end of an `amount`
    // run only at its next one-second tick, so neither its duration nor its mean is usable.
    rps: pool.length / seconds,
    p99: result.latency.p99,
    statuses,
    errors: result.errors + result.timeouts,
    serverCpuUs: delta(cpu0.server, cpu1.server),
    redisCpuUs: delta(cpu0.redis, cpu1.redis),
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (x: number | undefined, digits = 0): string =>
  x === undefined ? '—' : x.toFixed(digits);

const problems: string[] = [];
const expect = (ok: boolean, message: string): void => {
  if (!ok) problems.push(message);
};
/** `n` answers with `status`, nothing else. */
function expectOnly(run: RunResult, status: string, n: number, what: string): void {
  const seen = [...run.statuses].map(([s, c]) => `${s}×${c}`).join(', ');
  expect(
    run.errors === 0 && run.statuses.size === 1 && run.statuses.get(status) === n,
    `${what}: expected ${status}×${n}, got ${seen || 'nothing'}${run.errors ? `, ${run.errors} errors/timeouts` : ''}`,
  );
}

const loadBefore = loadavg()[0] as number;
const redis = await startRedis();
const personServer = await createDevPersonServer();
const agentProvider = await createDevAgentProvider({ personServer: personServer.issuer });
const rows: string[] = [];
const ratios = { rps: [] as number[], p99: [] as number[], cpu: [] as number[] };
try {
  const servers = {
    memory: await startExpress(personServer.issuer, undefined),
    redis: await startExpress(personServer.issuer, redis.url),
  };
  const agent = await createTestAgent({ agentProvider, personServer });
  const state = {} as Record<
    Config,
    { token: string; baseline: number; created: number; refused: number; texts: string[] }
  >;
  for (const config of CONFIGS) {
    const { url } = servers[config];
    // Climb the ladder (read, then write: one auth token with both scopes).
    const write = { method: 'POST', headers: { 'content-type': 'application/json' } };
    const wrote = await agent.fetch(`${url}/notes`, { ...write, body: '{"text":"climb"}' });
    const read = await agent.fetch(`${url}/notes`);
    const token = agent.held(url).auth;
    if (wrote.status !== 201 || read.status !== 200 || !token)
      throw new Error(`${config}: could not get an auth token (${wrote.status}, ${read.status})`);
    const { notes } = (await read.json()) as { notes: unknown[] };
    state[config] = { token, baseline: notes.length, created: 0, refused: 0, texts: [] };
  }
  const pids = (config: Config) => ({
    server: servers[config].child.pid,
    redis: config === 'redis' ? redis.child.pid : undefined,
  });
  /** One run: a fresh pool, sent once (counted), then sent again (every one must be refused). */
  const measure = async (config: Config, tag: string, n: number): Promise<RunResult> => {
    const { url } = servers[config];
    const s = state[config];
    const pool = await signPool(url, agent, s.token, `${config} ${tag}`, n);
    const run = await send(url, pool, pids(config));
    expectOnly(run, '201', n, `${config} ${tag}: load`);
    s.created += run.statuses.get('201') ?? 0;
    s.texts.push(...pool.map((p) => p.text));
    const replay = await send(url, pool, { server: undefined, redis: undefined });
    expectOnly(replay, '401', n, `${config} ${tag}: replayed signatures`);
    s.refused += replay.statuses.get('401') ?? 0;
    return run;
  };

  for (const config of CONFIGS) await measure(config, 'warm-up', WARMUP);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    const r = {} as Record<Config, RunResult>;
    for (const config of order) r[config] = await measure(config, `round ${round + 1}`, REQUESTS);
    const { memory: m, redis: x } = r;
    ratios.rps.push(x.rps / m.rps);
    ratios.p99.push(x.p99 / Math.max(m.p99, 1));
    if (m.serverCpuUs && x.serverCpuUs) ratios.cpu.push(x.serverCpuUs / m.serverCpuUs);
    rows.push(
      `| ${round + 1} (${order[0]} first) | ${fmt(m.rps)} | ${fmt(x.rps)} | ${(x.rps / m.rps).toFixed(2)}× | ${m.p99} | ${x.p99} | ${(x.p99 / Math.max(m.p99, 1)).toFixed(2)}× | ${fmt(m.serverCpuUs)} | ${fmt(x.serverCpuUs)} | ${fmt(x.redisCpuUs)} |`,
    );
  }

  // Nothing lost, nothing doubled: the notes are exactly the 201 answers, one per text.
  for (const config of CONFIGS) {
    const { url } = servers[config];
    const s = state[config];
    const res = await agent.fetch(`${url}/notes`, { followChallenges: false });
    expect(res.status === 200, `${config}: GET /notes answered ${res.status}`);
    const { notes } =
      res.status === 200 ? ((await res.json()) as { notes: { text: string }[] }) : { notes: [] };
    const loadTexts = notes.map((n) => n.text).filter((t) => t.startsWith(`${config} `));
    const unique = new Set(loadTexts);
    const signed = new Set(s.texts);
    expect(
      notes.length === s.baseline + s.created,
      `${config}: the person has ${notes.length} notes, expected ${s.baseline} + ${s.created} (201 answers)`,
    );
    expect(
      unique.size === loadTexts.length,
      `${config}: ${loadTexts.length - unique.size} notes doubled`,
    );
    expect(
      [...signed].every((t) => unique.has(t)) && unique.size === signed.size,
      `${config}: notes and signed texts differ (${unique.size} distinct notes, ${signed.size} texts)`,
    );
    console.log(
      `${config}: ${s.created} × 201 → ${notes.length - s.baseline} new notes (${unique.size} distinct texts), ${s.refused} of ${s.texts.length} replayed signatures → 401 invalid_signature`,
    );
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  await agentProvider.close();
  await personServer.close();
}

console.log(
  `\nLoad: Express example, POST /notes (auth token, content-digest, each signature once), ${ROUNDS} alternated rounds × ${REQUESTS} requests per store (+ ${WARMUP} warm-up), ${CONNECTIONS} connections, autocannon in-process, 127.0.0.1${PIN ? '; server pinned to core 1, autocannon and redis-server to core 0' : ''}; 1-min load average ${loadBefore.toFixed(2)} before, ${(loadavg()[0] as number).toFixed(2)} after (${CORES} cores)\n`,
);
console.log(
  '| round | memory req/s | redis req/s | redis/memory | memory p99 ms | redis p99 ms | redis/memory | memory server CPU µs/req | redis server CPU µs/req | redis-server CPU µs/req |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log(
  `\nMedian of per-round ratios, Redis / memory: throughput ${median(ratios.rps).toFixed(2)}×, p99 ${median(ratios.p99).toFixed(2)}×${ratios.cpu.length ? `, server CPU per request ${median(ratios.cpu).toFixed(2)}×` : ''}`,
);
if (problems.length > 0) {
  console.error(`\nDISCREPANCIES:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('No request lost or doubled; every replayed signature refused.');
process.exit(0);
