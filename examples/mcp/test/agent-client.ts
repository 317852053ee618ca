import type { TestAgent } from '@aauth-gate/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/**
 * The SDK transport's `fetch(url, init)` on top of the testing kit agent: every request is
 * signed, and AAuth challenges are climbed (person token, then resource → auth token) before the
 * SDK sees the answer.
 */
export function agentFetch(agent: TestAgent): FetchLike {
  return (url, init = {}) => {
    const body = init.body ?? undefined;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array))
      throw new TypeError('agentFetch sends string or byte bodies only');
    return agent.fetch(url instanceof URL ? url.href : url, {
      method: init.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      ...(body !== undefined ? { body } : {}),
    });
  };
}

/** An MCP `Client` connected to `${origin}/mcp` through the agent. */
export async function connectAgent(origin: string, agent: TestAgent): Promise<Client> {
  const client = new Client({ name: 'aauth-test-agent', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', origin), {
    fetch: agentFetch(agent),
  });
  await client.connect(transport);
  return client;
}
