// pnpm demo [--framework express|hono|koa|nestjs]: a development agent provider, person server
// and one example resource on 127.0.0.1, and a scripted agent that walks the AAuth ladder.
import {
  createDevAgentProvider,
  createDevPersonServer,
  formatExchange,
  palette,
} from '@aauth-gate/testing';
import { FRAMEWORKS, type Framework, startExample } from './start-example.ts';
import { walkLadder } from './walk.ts';

function frameworkFrom(argv: readonly string[]): Framework {
  const i = argv.findIndex((a) => a === '--framework' || a.startsWith('--framework='));
  const value =
    i === -1 ? 'express' : argv[i]?.includes('=') ? argv[i]?.split('=')[1] : argv[i + 1];
  if (!FRAMEWORKS.includes(value as Framework)) {
    console.error(`--framework must be one of ${FRAMEWORKS.join(', ')}`);
    process.exit(2);
  }
  return value as Framework;
}

const framework = frameworkFrom(process.argv.slice(2));
const c = palette(process.stdout.isTTY === true);
const out = (line = '') => process.stdout.write(`${line}\n`);

const personServer = await createDevPersonServer();
const agentProvider = await createDevAgentProvider({ personServer: personServer.issuer });
out(c.bold('AAuth demo'));
out(`  agent provider  ${agentProvider.issuer}`);
out(`  person server   ${personServer.issuer}  (grants the scopes it is asked for)`);
let example: Awaited<ReturnType<typeof startExample>> | undefined;
let failed = 0;
try {
  example = await startExample(framework, personServer.issuer, (line) =>
    out(`  resource        ${line}`),
  );
  out();
  const seen = new Set<string>();
  let n = 0;
  await walkLadder(example.url, { agentProvider, personServer }, (step) => {
    n += 1;
    out(
      `${step.ok ? c.green('✓') : c.red('✗')} ${c.bold(`${n}. ${step.title}`)}${step.note ? c.dim(` (${step.note})`) : ''}`,
    );
    for (const e of step.exchanges) for (const line of formatExchange(e, c, seen)) out(line);
    out();
    if (!step.ok) failed += 1;
  });
  out(
    failed === 0
      ? c.green(`Every step behaved (${n} steps, ${framework}).`)
      : c.red(`${failed} of ${n} steps misbehaved.`),
  );
} catch (error) {
  failed += 1;
  out(c.red(error instanceof Error ? error.message : String(error)));
} finally {
  await example?.stop();
  await agentProvider.close();
  await personServer.close();
}
process.exit(failed === 0 ? 0 : 1);
