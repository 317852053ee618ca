import { base64url, decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { json } from '../src/dev-server.ts';
import {
  type AgentExchange,
  type ConsentDecision,
  type ConsentRequest,
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevPersonServer,
} from '../src/index.ts';
import { readSignature, type SeenSignature, type StandIn, startStandIn } from './stand-in.ts';

const MCP = 'urn:aauth:vocabulary:mcp';
const CLASS = JSON.stringify({
  vocabulary: MCP,
  operations: [{ tool: 'list_files' }, { tool: 'read_file' }, { tool: 'delete_file' }],
  display: {
    summary: 'Read files and request deletions in the Acme Design workspace',
    irreversible: 'A deleted file cannot be restored',
  },
});
const PROPOSAL = JSON.stringify({
  vocabulary: MCP,
  operations: [{ tool: 'delete_file' }],
  display: { summary: 'Delete q3-forecast.xlsx', detail: '## Action\nDelete a file' },
  parameters: { file_id: 'f_9d2c' },
});

async function s256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return base64url.encode(new Uint8Array(digest));
}

/** What the next resource token carries. */
interface Challenge {
  readonly path?: string;
  readonly s256?: string;
  readonly scope?: string;
  readonly omit?: 'r3_uri' | 'r3_s256';
}

describe('the dev person server grants R3 (R3 §4.4, §6.2, §7)', () => {
  let ps: DevPersonServer;
  let ap: DevAgentProvider;
  let files: StandIn;
  let decide: (r: ConsentRequest) => ConsentDecision;
  let challenge: Challenge;
  const asked: ConsentRequest[] = [];
  const fetches: (SeenSignature & { path: string })[] = [];
  const documents = new Map<string, string>();

  beforeAll(async () => {
    ps = await createDevPersonServer({
      consent: (r) => {
        asked.push(r);
        return decide(r);
      },
    });
    ap = await createDevAgentProvider({ personServer: ps.issuer });
    documents.set('/r3/class', CLASS);
    documents.set('/r3/proposal', PROPOSAL);
    files = await startStandIn(async (req, self) => {
      const path = req.target.split('?')[0] as string;
      const sig = await readSignature(req);
      if (path.startsWith('/r3/')) {
        if (!sig?.verified) return json(401, { error: 'invalid_signature' });
        fetches.push({ ...sig, path });
        // Only the person server, signing as itself, may read R3 documents: agents never.
        const entitled =
          sig.scheme === 'jwks_uri' &&
          sig.keyParams.id === ps.issuer &&
          sig.keyParams.dwk === 'aauth-person.json';
        if (!entitled) return json(403, { error: 'denied' });
        const doc = documents.get(path);
        if (doc === undefined) return json(404, { error: 'not_found' });
        return { status: 200, headers: { 'content-type': 'application/json' }, body: doc };
      }
      if (path !== '/files' || !sig?.verified || !sig.claims) return undefined;
      if (sig.typ === 'aa-agent+jwt')
        return json(401, {}, { 'aauth-requirement': 'requirement=person-token' });
      if (sig.typ === 'aa-auth+jwt') return json(200, sig.claims);
      const docPath = challenge.path ?? '/r3/class';
      const claims: Record<string, unknown> = {
        r3_uri: `${self.origin}${docPath}`,
        r3_s256: challenge.s256 ?? (await s256(documents.get(docPath) ?? '')),
        ...(challenge.scope ? { scope: challenge.scope } : {}),
      };
      if (challenge.omit) delete claims[challenge.omit];
      const rt = await self.resourceToken(sig.claims, claims);
      return json(
        401,
        {},
        { 'aauth-requirement': `requirement=auth-token; resource-token="${rt}"` },
      );
    });
  });
  beforeEach(() => {
    decide = () => 'grant';
    challenge = {};
    asked.length = 0;
    fetches.length = 0;
  });
  afterAll(async () => {
    await files.close();
    await ap.close();
    await ps.close();
  });

  const call = async () => {
    const log: AgentExchange[] = [];
    const agent = await createTestAgent({
      agentProvider: ap,
      personServer: ps,
      onExchange: (e) => log.push(e),
    });
    const res = await agent.fetch(`${files.origin}/files`);
    const auth = agent.held(files.origin).auth;
    const token = log.find((e) => e.url === `${ps.issuer}/token`);
    return { res, claims: auth ? decodeJwt(auth) : undefined, token };
  };

  it('fetches the document signed as itself (jwks_uri), shows it to consent and grants its operations', async () => {
    const { res, claims } = await call();
    expect(res.status).toBe(200);
    expect(fetches).toHaveLength(1);
    const [fetched] = fetches;
    expect(fetched?.scheme).toBe('jwks_uri');
    expect(fetched?.keyParams).toMatchObject({ id: ps.issuer, dwk: 'aauth-person.json' });
    expect(fetched?.keyParams.kid).toBeTruthy();
    expect(fetched?.components).toEqual(['@method', '@authority', '@path', 'signature-key']);
    expect(asked[0]?.r3).toEqual({
      uri: `${files.origin}/r3/class`,
      s256: await s256(CLASS),
      document: JSON.parse(CLASS),
      display: JSON.parse(CLASS).display,
      proposal: false,
    });
    expect(claims).toMatchObject({
      r3_uri: `${files.origin}/r3/class`,
      r3_s256: await s256(CLASS),
      r3_granted: { vocabulary: MCP, operations: JSON.parse(CLASS).operations },
    });
    expect(claims).not.toHaveProperty('r3_per_call');
    expect(claims).not.toHaveProperty('scope');
  });

  it('grants fewer operations and puts chosen ones in r3_per_call', async () => {
    decide = () => ({
      r3: {
        granted: [{ tool: 'read_file' }, { tool: 'purge_all' }],
        perCall: [{ tool: 'delete_file' }],
      },
    });
    const { claims } = await call();
    expect(claims?.r3_granted).toEqual({ vocabulary: MCP, operations: [{ tool: 'read_file' }] });
    expect(claims?.r3_per_call).toEqual({ vocabulary: MCP, operations: [{ tool: 'delete_file' }] });
  });

  it('carries scope and R3 together when the resource token has both', async () => {
    challenge = { scope: 'files:read files:write' };
    decide = () => ({ grant: ['files:read'] });
    const { claims } = await call();
    expect(asked[0]?.scope).toEqual(['files:read', 'files:write']);
    expect(claims).toMatchObject({
      scope: 'files:read',
      r3_granted: { vocabulary: MCP, operations: JSON.parse(CLASS).operations },
    });
  });

  it('approves a per-call proposal as its one operation in r3_granted', async () => {
    challenge = { path: '/r3/proposal' };
    decide = () => ({ r3: { perCall: [{ tool: 'delete_file' }] } });
    const { claims } = await call();
    expect(asked[0]?.r3).toMatchObject({ proposal: true, display: JSON.parse(PROPOSAL).display });
    expect(claims).toMatchObject({
      r3_uri: `${files.origin}/r3/proposal`,
      r3_granted: { vocabulary: MCP, operations: [{ tool: 'delete_file' }] },
    });
    expect(claims).not.toHaveProperty('r3_per_call');
  });

  it('refuses a document whose bytes do not hash to r3_s256', async () => {
    challenge = { s256: await s256(`${CLASS} `) };
    const { res, claims, token } = await call();
    expect(res.status).toBe(401);
    expect(claims).toBeUndefined();
    expect(token?.status).toBe(400);
    const body = JSON.parse(token?.responseBody ?? '{}') as { error: string; detail: string };
    expect(body.error).toBe('invalid_resource_token');
    expect(body.detail).toMatch(/r3_s256 does not match the SHA-256/);
    expect(asked).toHaveLength(0);
  });

  it('refuses r3_uri without r3_s256 (and the reverse) without fetching', async () => {
    for (const omit of ['r3_uri', 'r3_s256'] as const) {
      challenge = { omit };
      const { token } = await call();
      expect(token?.status).toBe(400);
      expect(JSON.parse(token?.responseBody ?? '{}')).toEqual({
        error: 'invalid_resource_token',
        detail: 'r3_uri and r3_s256 must come together',
      });
    }
    expect(fetches).toHaveLength(0);
  });

  it('refuses when the document cannot be fetched (non-200)', async () => {
    challenge = { path: '/r3/missing' };
    const { token } = await call();
    expect(token?.status).toBe(400);
    expect(JSON.parse(token?.responseBody ?? '{}')).toMatchObject({
      error: 'invalid_resource_token',
      detail: 'fetching the R3 document at r3_uri answered 404',
    });
  });

  it('keeps the document on a deferred request and applies the settled R3 decision', async () => {
    decide = () => 'defer';
    const result = call();
    for (let i = 0; i < 100 && ps.pending().length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    const [held] = ps.pending();
    expect(held?.request.r3?.display?.summary).toBe(JSON.parse(CLASS).display.summary);
    ps.settle(held?.id as string, { r3: { perCall: [{ tool: 'delete_file' }] } });
    const { claims } = await result;
    expect(claims).toMatchObject({
      r3_granted: { operations: [{ tool: 'list_files' }, { tool: 'read_file' }] },
      r3_per_call: { operations: [{ tool: 'delete_file' }] },
    });
  });
});
