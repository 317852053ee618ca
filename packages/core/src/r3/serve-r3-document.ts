import type { Answer } from '../answers/answer.js';
import { buildProblem, buildSignatureFailure } from '../answers/build-answer.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import { fieldValue, type HeaderFields } from '../request/header-fields.js';
import type { SignedRequestVerifier } from '../verify/verify-signed-request.js';
import { R3_PATH_PREFIX, type R3Store } from './r3-store.js';

/** What the R3 document endpoint needs. */
export interface R3DocumentEndpointConfig {
  readonly verifier: SignedRequestVerifier;
  readonly store: R3Store;
  /** Path the documents are served under. Default `R3_PATH_PREFIX` (`/aauth/r3/`). */
  readonly pathPrefix?: string;
}

const SERVER_DOCUMENTS: ReadonlySet<string> = new Set(['aauth-person.json', 'aauth-access.json']);

/**
 * Serve an R3 document (R3 §4.3–§4.4, §9) at `GET`/`HEAD` `/aauth/r3/<s256>`: only to a person
 * or access server signing in its own right (`jwks_uri` scheme, as at the revocation endpoint)
 * and entitled as `aud` or `ps` of a resource token carrying the document. Unsigned or badly
 * signed → `401` with `Signature-Error` (agents get `unsupported_scheme`); a signer that is not
 * entitled and a document that does not exist get the same `403 denied`, so existence does not
 * leak. Otherwise `200` with the stored bytes exactly.
 */
export async function handleR3Document(
  config: R3DocumentEndpointConfig,
  request: AAuthRequest,
  fields: HeaderFields,
): Promise<Answer> {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD')
    return { status: 405, headers: { allow: 'GET, HEAD' }, body: '' };
  const input = fieldValue(fields, 'signature-input');
  const signature = fieldValue(fields, 'signature');
  const key = fieldValue(fields, 'signature-key');
  if (input === undefined || signature === undefined || key === undefined) {
    return buildSignatureFailure('invalid_signature', 'the R3 document request must be signed', {
      acceptSchemes: ['jwks_uri'],
    });
  }
  const verified = await config.verifier.verifyServer(
    request,
    fields,
    { input, signature, key },
    [],
  );
  if (!verified.ok) {
    const f = verified.failure;
    return f.kind === 'signature'
      ? buildSignatureFailure(f.code, f.detail, f.extras)
      : buildProblem(f.status, f.code, f.detail, f.headers);
  }
  const denied = buildProblem(403, 'denied', 'this document is not available to the caller');
  const server = verified.server;
  if (!SERVER_DOCUMENTS.has(server.dwk)) return denied;
  const s256 = documentHash(request.target, config.pathPrefix ?? R3_PATH_PREFIX);
  if (s256 === undefined) return denied;
  let bytes: string;
  try {
    if (!(await config.store.isEntitled(s256, server.iss))) return denied;
    const doc = await config.store.get(s256);
    if (doc === undefined) return denied;
    bytes = doc.bytes;
  } catch {
    return buildProblem(503, 'temporarily_unavailable', 'R3 document state is unavailable', {
      'retry-after': '1',
    });
  }
  return {
    status: 200,
    // no-transform: the bytes are the document's identity (R8).
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store, no-transform' },
    body: method === 'HEAD' ? '' : bytes,
  };
}

/** The `<s256>` of `<prefix><s256>` in the target's path (no query, no further segment). */
function documentHash(target: string, prefix: string): string | undefined {
  let path = target;
  if (!path.startsWith('/')) {
    const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path);
    if (origin === null) return undefined;
    path = path.slice(origin[0].length);
  }
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  if (!path.startsWith(prefix)) return undefined;
  const s256 = path.slice(prefix.length);
  return /^[A-Za-z0-9_-]{43}$/.test(s256) ? s256 : undefined;
}
