// Paired micro-benchmark harness (PERF.md §5, without its per-batch GC): warm each case, time
// batches of ~100 ms with
// process CPU time, round-robin across cases with a rotating start, and report the median of
// per-round ratios against a reference so machine drift cancels out.
import { cpuUsage } from 'node:process';

export interface Case {
  readonly name: string;
  readonly run: () => unknown | Promise<unknown>;
}

export interface Ratio {
  readonly name: string;
  readonly reference: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly usPerOp: number;
}

// A full GC right before a batch shrinks the young generation, so allocation-heavy code pays
// for extra scavenges the reference (allocation-free crypto) does not: BENCH_GC=1 restores it.
const gc =
  process.env.BENCH_GC === '1'
    ? ((globalThis as { gc?: () => void }).gc ?? (() => undefined))
    : () => undefined;
let sink: unknown;

async function batch(c: Case, ms: number): Promise<number> {
  gc();
  const start = cpuUsage();
  const wallEnd = performance.now() + ms;
  let n = 0;
  while (performance.now() < wallEnd) {
    for (let i = 0; i < 16; i++) sink = await c.run();
    n += 16;
  }
  const used = cpuUsage(start);
  return (used.user + used.system) / n; // CPU µs per op
}

/** Measure every case; ratios are candidate/reference per round, then the median. */
export async function measure(
  cases: Case[],
  pairs: [string, string][],
  rounds = 9,
  batchMs = 120,
): Promise<{ perOp: Map<string, number>; ratios: Ratio[] }> {
  for (const c of cases) await batch(c, 300); // warm-up
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + r) % cases.length] as Case;
      samples.get(c.name)?.push(await batch(c, batchMs));
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] as number;
  };
  const perOp = new Map([...samples].map(([k, v]) => [k, median(v)]));
  const ratios = pairs.map(([name, reference]) => {
    const a = samples.get(name) as number[];
    const b = samples.get(reference) as number[];
    const per = a.map((x, i) => x / (b[i] as number));
    return {
      name,
      reference,
      median: median(per),
      min: Math.min(...per),
      max: Math.max(...per),
      usPerOp: perOp.get(name) as number,
    };
  });
  if (sink === Symbol.for('never')) console.log(sink);
  return { perOp, ratios };
}

export function table(
  title: string,
  perOp: Map<string, number>,
  ratios: Ratio[],
  targets: Record<string, number>,
): string {
  const lines = [`\n${title}`, '', '| case | CPU µs/op |', '|---|---:|'];
  for (const [k, v] of perOp) lines.push(`| ${k} | ${v.toFixed(1)} |`);
  lines.push('', '| ratio | median (min–max) | target | |', '|---|---:|---:|---|');
  for (const r of ratios) {
    const target = targets[`${r.name} / ${r.reference}`];
    const verdict = target === undefined ? '' : r.median <= target ? 'ok' : 'OVER';
    lines.push(
      `| ${r.name} / ${r.reference} | ${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)}) | ${target === undefined ? '—' : `≤ ${target}×`} | ${verdict} |`,
    );
  }
  return lines.join('\n');
}
