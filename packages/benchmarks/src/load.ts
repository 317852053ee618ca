// pnpm --filter @aauth-gate/benchmarks load: a bounded load test on 127.0.0.1 against the
// example servers. Per framework: the unprotected /health and the protected /whoami (agent
// token, freshly signed requests), alternated in one run; throughput and p99 of the protected
// route as ratios to the unprotected one; every answer must be 2xx.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createDevAgentProvider, createTestAgent, signRequest } from '@aauth-gate/testing';
import autocannon from 'autocannon';

const FRAMEWORKS = (process.env.LOAD_FRAMEWORKS ?? 'express,hono').split(',');
const SECONDS = Number(process.env.LOAD_SECONDS ?? 3);
const ROUNDS = Number(process.env.LOAD_ROUNDS ?? 3);
const CONNECTIONS = 16;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

async function startExample(framework: string, agentProvider: string) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cwd = fileURLToPath(new URL(`../../../examples/${framework}/`, import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@aauth-gate/source', '--import', 'tsx', 'src/server.ts'],
    {
      cwd,
      env: {
        ...process.env,
        PORT: String(port),
        AAUTH_RESOURCE: url,
        AAUTH_DEV: '1',
        AAUTH_AGENT_PROVIDERS: agentProvider,
        NODE_ENV: 'development',
      },
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, stop: () => child.kill('SIGTERM') };
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${framework} example did not start`);
}

async function run(url: string, path: string, pool: Record<string, string>[] | undefined) {
  let i = 0;
  const result = await autocannon({
    url: `${url}${path}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        setupRequest: (req) =>
          pool ? { ...req, headers: { ...req.headers, ...pool[i++ % pool.length] } } : req,
      },
    ],
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  };
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ap = await createDevAgentProvider();
const rows: string[] = [];
let failed = false;
try {
  for (const framework of FRAMEWORKS) {
    const example = await startExample(framework, ap.issuer);
    try {
      const agent = await createTestAgent({ agentProvider: ap });
      const token = await agent.agentToken();
      const ratios = { rps: [] as number[], p99: [] as number[] };
      let errors = 0;
      let served = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // Distinct signatures (nonce), all inside the signature window.
        const pool = await Promise.all(
          Array.from({ length: 2000 }, () =>
            signRequest({ method: 'GET', url: `${example.url}/whoami`, key: agent.key, token }),
          ),
        );
        const bare = await run(example.url, '/health', undefined);
        const guarded = await run(example.url, '/whoami', pool);
        errors += bare.non2xx + guarded.non2xx;
        served += bare.total + guarded.total;
        ratios.rps.push(guarded.rps / bare.rps);
        ratios.p99.push(guarded.p99 / Math.max(bare.p99, 1));
      }
      if (errors > 0) failed = true;
      rows.push(
        `| ${framework} | ${(median(ratios.rps) * 100).toFixed(1)}% | ${median(ratios.p99).toFixed(2)}× | ${served} | ${errors} |`,
      );
    } finally {
      example.stop();
    }
  }
} finally {
  await ap.close();
}
console.log(
  `\nLoad: ${ROUNDS} rounds × ${SECONDS} s per route, ${CONNECTIONS} connections, autocannon in-process (127.0.0.1)\n`,
);
console.log(
  '| example | protected/unprotected req/s | protected/unprotected p99 | requests | non-2xx or errors |',
);
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
if (failed) process.exit(1);
