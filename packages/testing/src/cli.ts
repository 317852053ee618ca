#!/usr/bin/env node
// aauth-gate: call an AAuth-protected endpoint by hand, like curl. Signs with a local
// development agent, shows each challenge and retry. See `aauth-gate --help`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type DevKey, generateDevKey, importDevKey } from './agent-key.js';
import { createDevAgentProvider } from './dev-agent-provider.js';
import { createDevPersonServer } from './dev-person-server.js';
import { formatExchange, palette } from './format-exchange.js';
import { createTestAgent } from './test-agent.js';

const HELP = `Usage: aauth-gate [options] <url>
       aauth-gate issuers [--agent-provider-port N] [--person-server-port N]

Calls <url> as an AAuth agent: signs with a development agent token, follows
AAuth-Requirement challenges (person token, resource token → auth token) and prints
every exchange. A development agent provider and person server run on 127.0.0.1 while
it works; configure your API to trust them (development mode):
  AAUTH_DEV=1 AAUTH_PERSON_SERVERS=http://127.0.0.1:4101

Options:
  -X, --method <method>           HTTP method (default GET, or POST with --data)
  -d, --data <body>               request body (content-type: application/json unless -H sets one)
  -H, --header <name: value>      extra request header (repeatable)
      --unsigned                  send the first request unsigned
      --no-follow                 stop at the first challenge
      --alg <Ed25519|ES256>       agent key algorithm (default Ed25519)
      --agent-provider-port <n>   default 4100
      --person-server-port <n>    default 4101
      --fresh-keys                new development keys (kept in ~/.local/state/aauth-gate)
  -q, --quiet                     print only the final response body
  -h, --help

'aauth-gate issuers' keeps the development agent provider and person server running.
Exit status: 0 for a final 2xx, 1 otherwise, 2 for usage errors.`;

/**
 * The development issuers' and the agent's keys, kept between runs: a resource caches issuer
 * keys and refetches an unknown kid at most once a minute, so fresh keys on every run would be
 * refused as unknown_key for a minute.
 */
async function keptKeys(
  fresh: boolean,
  alg: 'Ed25519' | 'ES256',
): Promise<{ ap: DevKey; ps: DevKey; agent: DevKey }> {
  const base = process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
  const file = join(base, 'aauth-gate', `dev-keys-${alg}.json`);
  if (!fresh) {
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as Record<
        'ap' | 'ps' | 'agent',
        Record<string, unknown>
      >;
      return {
        ap: await importDevKey(saved.ap, 'Ed25519'),
        ps: await importDevKey(saved.ps, 'Ed25519'),
        agent: await importDevKey(saved.agent, alg),
      };
    } catch {
      // none kept yet, or unreadable: make new ones
    }
  }
  const keys = {
    ap: await generateDevKey('Ed25519'),
    ps: await generateDevKey('Ed25519'),
    agent: await generateDevKey(alg),
  };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const json = JSON.stringify({
    ap: keys.ap.privateJwk,
    ps: keys.ps.privateJwk,
    agent: keys.agent.privateJwk,
  });
  await writeFile(file, json, { mode: 0o600 });
  return keys;
}

function usage(message: string): never {
  process.stderr.write(`aauth-gate: ${message}\n\n${HELP}\n`);
  process.exit(2);
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) usage(`${name} must be a port number`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  const OPTIONS = {
    method: { type: 'string', short: 'X' },
    data: { type: 'string', short: 'd' },
    header: { type: 'string', short: 'H', multiple: true },
    unsigned: { type: 'boolean' },
    'no-follow': { type: 'boolean' },
    alg: { type: 'string' },
    'agent-provider-port': { type: 'string' },
    'person-server-port': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    'fresh-keys': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const apPort = port(values['agent-provider-port'], 4100, '--agent-provider-port');
  const psPort = port(values['person-server-port'], 4101, '--person-server-port');
  const alg = values.alg ?? 'Ed25519';
  if (alg !== 'Ed25519' && alg !== 'ES256') usage('--alg must be Ed25519 or ES256');
  const c = palette(process.stdout.isTTY === true);
  const keys = await keptKeys(values['fresh-keys'] === true, alg);
  const personServer = await createDevPersonServer({ port: psPort, key: keys.ps });
  const agentProvider = await createDevAgentProvider({
    port: apPort,
    personServer: personServer.issuer,
    key: keys.ap,
  });
  const info = (line: string): void => {
    if (!values.quiet) process.stdout.write(`${line}\n`);
  };
  info(c.dim(`agent provider ${agentProvider.issuer} · person server ${personServer.issuer}`));

  if (positionals[0] === 'issuers') {
    info('Running until interrupted (Ctrl-C).');
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    await agentProvider.close();
    await personServer.close();
    return 0;
  }
  const url = positionals[0];
  if (!url || positionals.length > 1) usage('give exactly one URL');
  try {
    new URL(url);
  } catch {
    usage(`not a URL: ${url}`);
  }
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const i = h.indexOf(':');
    if (i < 1) usage(`header must be "name: value": ${h}`);
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  if (values.data !== undefined && headers['content-type'] === undefined)
    headers['content-type'] = 'application/json';
  const seen = new Set<string>();
  const agent = await createTestAgent({
    agentProvider,
    personServer,
    alg,
    key: keys.agent,
    onExchange: (e) => {
      for (const line of formatExchange(e, c, seen)) info(line);
    },
  });
  try {
    const res = await agent.fetch(url, {
      method: values.method ?? (values.data === undefined ? 'GET' : 'POST'),
      headers,
      ...(values.data === undefined ? {} : { body: values.data }),
      unsigned: values.unsigned === true,
      followChallenges: values['no-follow'] !== true,
    });
    const body = await res.text();
    if (values.quiet) process.stdout.write(body.endsWith('\n') || body === '' ? body : `${body}\n`);
    return res.status >= 200 && res.status < 300 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`aauth-gate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await agentProvider.close();
    await personServer.close();
  }
}

// `pnpm cli -- <args>` passes the `--` through: drop it.
const args = process.argv.slice(2);
process.exit(await main(args[0] === '--' ? args.slice(1) : args));
