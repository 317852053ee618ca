import {
  type AgentExchange,
  type createDevAgentProvider,
  type createDevPersonServer,
  createTestAgent,
} from '@aauth-gate/testing';

/** One step of the walk: what it shows and whether the resource behaved. */
export interface Step {
  readonly title: string;
  readonly ok: boolean;
  readonly exchanges: AgentExchange[];
  readonly note?: string;
}

/**
 * The scripted agent: unsigned → agent token → person token → resource token → auth token →
 * step-up for a write → a revoked token. Resolves with every step; never throws for a
 * misbehaving resource (the step is marked failed instead).
 */
export async function walkLadder(
  resourceUrl: string,
  issuers: {
    agentProvider: Awaited<ReturnType<typeof createDevAgentProvider>>;
    personServer: Awaited<ReturnType<typeof createDevPersonServer>>;
  },
  onStep: (step: Step) => void,
): Promise<Step[]> {
  const steps: Step[] = [];
  let current: AgentExchange[] = [];
  // Polls a held request soon after the auth token is in hand, not after the full Retry-After.
  const agent = await createTestAgent({
    ...issuers,
    maxPollWaitMs: 500,
    onExchange: (e) => current.push(e),
  });
  const step = async (
    title: string,
    run: () => Promise<{ ok: boolean; note?: string }>,
  ): Promise<void> => {
    current = [];
    let result: { ok: boolean; note?: string };
    try {
      result = await run();
    } catch (error) {
      result = { ok: false, note: error instanceof Error ? error.message : String(error) };
    }
    const s: Step = { title, exchanges: current, ...result };
    steps.push(s);
    onStep(s);
  };
  const last = () => current[current.length - 1];

  await step('An unsigned request is challenged for an agent token', async () => {
    const res = await agent.fetch(`${resourceUrl}/whoami`, {
      unsigned: true,
      followChallenges: false,
    });
    return {
      ok: res.status === 401 && res.headers.get('aauth-requirement') === 'requirement=agent-token',
    };
  });
  await step('Signed with its agent token, the agent is known', async () => {
    const res = await agent.fetch(`${resourceUrl}/whoami`);
    const body = (await res.json()) as { tokenType?: string };
    return { ok: res.status === 200 && body.tokenType === 'agent' };
  });
  await step('The notes need a person: the resource asks for a person token', async () => {
    const res = await agent.fetch(`${resourceUrl}/notes`, { followChallenges: false });
    return {
      ok: res.status === 401 && res.headers.get('aauth-requirement') === 'requirement=person-token',
    };
  });
  await step(
    'With a person token the resource answers with a resource token; the person server trades it for an auth token',
    async () => {
      const res = await agent.fetch(`${resourceUrl}/notes`);
      const challenged = current.some((e) =>
        /^requirement=auth-token;resource-token=/.test(
          e.responseHeaders['aauth-requirement'] ?? '',
        ),
      );
      return { ok: res.status === 200 && challenged };
    },
  );
  await step(
    'A write needs notes:write: step-up to a wider auth token, then the note is created',
    async () => {
      const res = await agent.fetch(`${resourceUrl}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Call the dentist' }),
      });
      const steppedUp = current.some((e) => e.presented === 'auth' && e.status === 401);
      return { ok: res.status === 201 && steppedUp };
    },
  );
  await step(
    'The person server revokes the auth token: the resource refuses it with revoked_jwt',
    async () => {
      const held = agent.held(new URL(resourceUrl).origin).auth;
      if (!held) return { ok: false, note: 'no auth token held' };
      const status = await issuers.personServer.revoke(held);
      const res = await agent.fetch(`${resourceUrl}/notes`, { followChallenges: false });
      return {
        ok:
          status === 200 &&
          res.status === 401 &&
          res.headers.get('signature-error') === 'error=revoked_jwt',
        note: `revocation endpoint answered ${status}`,
      };
    },
  );
  await step('The agent starts over from a person token and gets a fresh auth token', async () => {
    const res = await agent.fetch(`${resourceUrl}/notes`);
    const body = (await res.json()) as { notes?: unknown[] };
    return {
      ok:
        res.status === 200 &&
        Array.isArray(body.notes) &&
        body.notes.length === 1 &&
        last()?.status === 200,
    };
  });
  await step(
    'Deleting is per-call (R3): the resource holds the call (202) with a proposal of it; once the person approves, the poll runs it once',
    async () => {
      const list = (await (await agent.fetch(`${resourceUrl}/notes`)).json()) as {
        notes?: { id: string }[];
      };
      const id = list.notes?.[0]?.id;
      if (!id) return { ok: false, note: 'no note to delete' };
      current = [];
      const res = await agent.fetch(`${resourceUrl}/notes/${id}`, { method: 'DELETE' });
      const held = current.find((e) => e.method === 'DELETE' && e.status === 202);
      const proposal = held?.responseHeaders['aauth-requirement'] ?? '';
      const polled = current.some((e) => e.method === 'GET' && e.url.includes('/aauth/pending/'));
      return {
        ok: res.status === 204 && held !== undefined && polled && /resource-token=/.test(proposal),
        note: held ? `pending at ${held.responseHeaders.location}` : 'not held',
      };
    },
  );
  return steps;
}
