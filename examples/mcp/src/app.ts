import type { AAuthOptions, ResourceMetadataOptions } from '@aauth-gate/core';
import { aauthExpress, keepRawBody } from '@aauth-gate/express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { toAuthInfo } from './auth-info.ts';
import { createMcpServer } from './mcp-server.ts';
import { NotesStore } from './notes.ts';
import {
  configuredRequirements,
  type McpRequirement,
  requirementFor,
  requirementInput,
} from './tool-requirements.ts';

function jsonRpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', id: null, error: { code, message } });
}

/** An MCP server on `POST /mcp` (stateless Streamable HTTP), each tool gated by its AAuth mode. */
export function createApp(options: AAuthOptions): Express {
  const gate = aauthExpress(options);
  const resource = gate.core.resource;
  const notes = new NotesStore();

  // One per-route middleware per requirement, built (and validated) at start-up. A batch may
  // need a union of scopes not in the table: built on first use, bounded by the table.
  const guards = new Map<string, RequestHandler>();
  const guardFor = (requirement: McpRequirement): RequestHandler => {
    let guard = guards.get(requirement.key);
    if (!guard) {
      guard = gate.requireAAuth(requirementInput(requirement));
      guards.set(requirement.key, guard);
    }
    return guard;
  };
  for (const requirement of configuredRequirements()) guardFor(requirement);

  /** Picks the requirement from the JSON-RPC body, verifies it, refuses what has no entry. */
  const enforce: RequestHandler = (req, res, next) => {
    const routing = requirementFor(req.body);
    guardFor(routing.requirement)(req, res, (err?: unknown) => {
      if (err !== undefined) return next(err);
      if (routing.refusal !== undefined) return void res.status(200).json(routing.refusal);
      next();
    });
  };

  const serve = async (req: Request, res: Response): Promise<void> => {
    const server = createMcpServer(notes);
    // Stateless: no sessionIdGenerator (the SDK docs write `sessionIdGenerator: undefined`, which
    // exactOptionalPropertyTypes refuses; leaving it out is the same), JSON answers, no SSE.
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    // req.aauth is set: enforce() let the request through. The SDK hands req.auth to the tools.
    const auth = toAuthInfo(req.aauth as NonNullable<typeof req.aauth>, resource);
    await transport.handleRequest(Object.assign(req, { auth }), res, req.body);
  };

  const bodyErrors: ErrorRequestHandler = (err, _req, res, next) => {
    const e = err as { type?: unknown; status?: unknown };
    if (e.type === 'entity.parse.failed') return jsonRpcError(res, 400, -32700, 'Parse error');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
      return jsonRpcError(res, e.status, -32600, 'Invalid Request');
    next(err);
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(gate.wellKnown()); // metadata, JWKS and the revocation endpoint

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' }); // unprotected, for load balancers
  });

  app.post(
    '/mcp',
    express.json({ verify: keepRawBody }), // keeps the bytes content-digest covers
    enforce,
    (req, res, next) => {
      serve(req, res).catch(next);
    },
  );
  // Stateless: no server-initiated SSE stream and no session to delete.
  app.all('/mcp', (_req, res) => {
    res.setHeader('allow', 'POST');
    jsonRpcError(res, 405, -32000, 'Method not allowed.');
  });
  app.use('/mcp', bodyErrors);

  return app;
}

/** The resource metadata: scopes, and `/mcp` as the MCP vocabulary's discovery endpoint (R3). */
export function mcpMetadata(resource: string): ResourceMetadataOptions {
  return {
    name: 'Notes (MCP example)',
    accessMode: 'agent-token', // resource-wide default; each tool's _meta says its own mode
    scopeDescriptions: { 'notes:write': 'Add notes for you' },
    revocationEndpoint: `${resource}/aauth/revoke`,
    extra: { r3_vocabularies: { 'urn:aauth:vocabulary:mcp': `${resource}/mcp` } },
  };
}
