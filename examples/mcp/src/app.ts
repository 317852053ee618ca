import type { AAuthOptions, R3Options, ResourceMetadataOptions } from '@aauth-gate/core';
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
  isBatchedToolCall,
  MCP_SELECTOR,
  mcpR3Definition,
  mcpVocabularies,
  RESOURCE_ACCESS_MODE,
} from './tool-requirements.ts';

function jsonRpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', id: null, error: { code, message } });
}

/** R3: the tools people consent to, and `/mcp` as the MCP vocabulary's discovery endpoint. */
export function mcpR3(resource: string): R3Options {
  return { definition: mcpR3Definition(), vocabularies: mcpVocabularies(resource) };
}

/** An MCP server on `POST /mcp` (stateless Streamable HTTP), each tool gated by its `_meta` mode. */
export function createApp(options: AAuthOptions): Express {
  const gate = aauthExpress({ ...options, r3: mcpR3(options.resource) });
  const resource = gate.core.resource;
  const notes = new NotesStore();

  const refuseBatchedCalls: RequestHandler = (req, res, next) => {
    if (!isBatchedToolCall(req.body)) return next();
    jsonRpcError(res, 400, -32600, 'Invalid Request: tools/call cannot be batched');
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
    // req.aauth is set: the gate let the request through. The SDK hands req.auth to the tools.
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
  app.use(gate.wellKnown()); // metadata, JWKS, R3 documents and the revocation endpoint

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' }); // unprotected, for load balancers
  });

  app.post(
    '/mcp',
    express.json({ verify: keepRawBody }), // keeps the bytes content-digest covers
    refuseBatchedCalls,
    gate.requireAAuth(MCP_SELECTOR), // each tools/call by its tool's _meta; the rest by agent identity
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

/** The resource metadata; `r3_vocabularies` is added from the `r3` option. */
export function mcpMetadata(resource: string): ResourceMetadataOptions {
  return {
    name: 'Notes (MCP example)',
    accessMode: RESOURCE_ACCESS_MODE, // resource-wide default; each tool's _meta says its own mode
    scopeDescriptions: { 'notes:write': 'Add notes for you' },
    revocationEndpoint: `${resource}/aauth/revoke`,
  };
}
