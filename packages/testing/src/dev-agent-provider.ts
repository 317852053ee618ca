import type { DevKey } from './agent-key.js';
import { createIssuerKeys, newJti, nowSeconds } from './dev-issuer.js';
import { json, startDevServer } from './dev-server.js';

/** Options for the development agent provider. */
export interface DevAgentProviderOptions {
  /** Signing algorithm of the provider's own key. Default `Ed25519`. */
  readonly alg?: 'Ed25519' | 'ES256';
  /** Port on 127.0.0.1. Default 0 (any free port). */
  readonly port?: number;
  /** The issuer's own signing key (keep it across runs so verifiers' caches stay valid). Default: generated. */
  readonly key?: DevKey;
  /** `ps` hint put into agent tokens (the agent's person server). Default none. */
  readonly personServer?: string;
}

/** What an agent token says about the agent. */
export interface AgentTokenRequest {
  /** The agent's key; its public JWK becomes `cnf.jwk`. */
  readonly agentKey: DevKey;
  /** Local part of `aauth:local@127.0.0.1`. Default `assistant`. */
  readonly local?: string;
  /** Lifetime in seconds. Default 3600 (agent tokens SHOULD NOT exceed 24 h). */
  readonly lifetime?: number;
  /** Overrides of any claim, for negative tests. */
  readonly claims?: Record<string, unknown>;
}

/**
 * A development agent provider on loopback: serves `/.well-known/aauth-agent.json` and its
 * JWKS, and issues `aa-agent+jwt` tokens for generated agent keys.
 */
export interface DevAgentProvider {
  /** The provider's identifier, e.g. `http://127.0.0.1:43123` (development mode only). */
  readonly issuer: string;
  issueAgentToken(request: AgentTokenRequest): Promise<string>;
  close(): Promise<void>;
}

export async function createDevAgentProvider(
  options: DevAgentProviderOptions = {},
): Promise<DevAgentProvider> {
  const keys = await createIssuerKeys(options.alg, options.key);
  let issuer = '';
  const server = await startDevServer((req) => {
    if (req.method !== 'GET') return undefined;
    if (req.target === '/.well-known/aauth-agent.json') {
      return json(
        200,
        {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          name: 'aauth-gate development agent provider',
        },
        { 'cache-control': 'max-age=300' },
      );
    }
    if (req.target === '/.well-known/jwks.json')
      return json(200, keys.jwks, { 'cache-control': 'max-age=300' });
    return undefined;
  }, options.port);
  issuer = server.origin;
  const host = new URL(issuer).hostname;
  return {
    issuer,
    async issueAgentToken(request) {
      const iat = nowSeconds();
      const claims: Record<string, unknown> = {
        iss: issuer,
        dwk: 'aauth-agent.json',
        sub: `aauth:${request.local ?? 'assistant'}@${host}`,
        jti: newJti('at'),
        iat,
        exp: iat + (request.lifetime ?? 3600),
        cnf: { jwk: request.agentKey.publicJwk },
      };
      if (options.personServer) claims.ps = options.personServer;
      return keys.sign('aa-agent+jwt', { ...claims, ...request.claims });
    },
    close: () => server.close(),
  };
}
