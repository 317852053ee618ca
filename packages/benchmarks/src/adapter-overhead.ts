// pnpm bench (benchmarks): each adapter's CPU cost per request against core verify() called
// inline on the same framework, measured in the server process, interleaved in one run.
//   overhead ratio = (protected − inline) / (inline − bare)   target ≤ 10% (PERF.md §4.2)
import { benchAgent, signedGet } from './fixture.ts';
import { FRAMEWORKS } from './servers.ts';
import { hammer, serverCpu, startServer } from './spawn-server.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const N = Number(process.env.BENCH_REQUESTS ?? 400);
const CONCURRENCY = 8;
const ROUTES = ['bare', 'inline', 'protected'] as const;

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const agent = await benchAgent();
const rows: string[] = [];
for (const framework of FRAMEWORKS) {
  const server = await startServer(framework, agent.docs);
  try {
    const samples: Record<string, number[]> = { bare: [], inline: [], protected: [] };
    const headersFor = async () =>
      Object.fromEntries(
        await Promise.all(
          ROUTES.map(async (r) => [r, await signedGet(agent, server.url, `/${r}`)] as const),
        ),
      );
    let headers = await headersFor();
    for (const r of ROUTES) {
      const errors = await hammer(
        `${server.url}/${r}`,
        headers[r] as Record<string, string>,
        N,
        CONCURRENCY,
      );
      if (errors > 0) throw new Error(`${framework} /${r}: ${errors} non-2xx answers in warm-up`);
    }
    for (let round = 0; round < ROUNDS; round++) {
      headers = await headersFor(); // fresh `created` every round
      for (let i = 0; i < ROUTES.length; i++) {
        const route = ROUTES[(i + round) % ROUTES.length] as (typeof ROUTES)[number];
        const before = await serverCpu(server.url);
        const errors = await hammer(
          `${server.url}/${route}`,
          headers[route] as Record<string, string>,
          N,
          CONCURRENCY,
        );
        const after = await serverCpu(server.url);
        if (errors > 0) throw new Error(`${framework} /${route}: ${errors} non-2xx answers`);
        samples[route]?.push((after - before) / N);
      }
    }
    const ratios = samples.protected?.map((p, i) => {
      const inline = samples.inline?.[i] as number;
      const bare = samples.bare?.[i] as number;
      return (p - inline) / (inline - bare);
    }) as number[];
    const m = (r: string) => median(samples[r] as number[]);
    const ratio = median(ratios);
    rows.push(
      `| ${framework} | ${m('bare').toFixed(0)} | ${m('inline').toFixed(0)} | ${m('protected').toFixed(0)} | ${(m('inline') - m('bare')).toFixed(0)} | ${(m('protected') - m('inline')).toFixed(0)} | ${(ratio * 100).toFixed(1)}% (${(Math.min(...ratios) * 100).toFixed(1)}–${(Math.max(...ratios) * 100).toFixed(1)}) | ${ratio <= 0.1 ? 'ok' : 'OVER'} |`,
    );
  } finally {
    await server.stop();
  }
}
console.log(
  `\nAdapter overhead: server CPU µs per request, ${ROUNDS} interleaved rounds × ${N} requests, ${CONCURRENCY} in flight, keep-alive\n`,
);
console.log(
  '| framework | bare | inline verify() | adapter | verify cost | adapter overhead | overhead / verify cost | target ≤ 10% |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) console.log(r);
