// Loads the RFC 9421 groups of the shared vectors and maps a vector request to the
// signature-base context (request-target and authority exactly as in the vector URL).
import { readFileSync } from 'node:fs';
import { type InnerList, isInnerList, parseDictionary } from 'structured-headers';
import type { RequestComponents } from '../../src/httpsig/derive-component.js';
import type { StructuredFieldType } from '../../src/httpsig/signature-base.js';
import { collectHeaderFields } from '../../src/request/header-fields.js';

export interface VectorRequest {
  method: string;
  url: string;
  headers: [string, string][];
  requestTarget?: string;
  body: null | { utf8: string } | { base64: string };
}

export interface BaseCase {
  id: string;
  title: string;
  request: VectorRequest;
  label: string;
  signatureInput: string;
  fieldTypes?: Record<string, StructuredFieldType>;
  needsRawHeaders?: boolean;
  expected:
    | { error: true }
    | { componentLines: string[]; signatureParams: string; signatureBase: string };
}

export interface VerifyCase {
  id: string;
  title: string;
  entryPoint: 'rfc9421' | 'rfc9421-base-only';
  request?: VectorRequest;
  label?: string;
  key: string;
  algorithm: { jose: 'Ed25519' | 'ES256' | 'ES384' | 'PS512'; rfc9421: string };
  signatureBase?: string;
  signature?: string;
  optional?: string;
  expected: { verified: boolean; signatureBase?: string };
}

export interface VectorKey {
  description: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  thumbprint: string;
}

interface VectorFile {
  keys: Record<string, VectorKey>;
  groups: { name: string; cases: unknown[] }[];
}

export const vectors: VectorFile = JSON.parse(
  readFileSync(new URL('../vectors/test-vectors-aauth-11.json', import.meta.url), 'utf8'),
);

export function group<T>(name: string): T[] {
  const g = vectors.groups.find((x) => x.name === name);
  if (!g) throw new Error(`vector group ${name} missing`);
  return g.cases as T[];
}

const URL_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/;

/** Context for a vector request: origin-form target from the URL unless `requestTarget` is set. */
export function contextOf(request: VectorRequest): RequestComponents {
  const m = URL_PARTS.exec(request.url);
  if (!m) throw new Error(`bad vector url ${request.url}`);
  const [, scheme = '', authority = '', rest = ''] = m;
  const target = request.requestTarget ?? (rest.startsWith('/') ? rest : `/${rest}`);
  return {
    method: request.method,
    scheme,
    authority,
    target,
    fields: collectHeaderFields(request.headers),
  };
}

/** The parsed `Signature-Input` member for `label`. */
export function memberOf(signatureInput: string, label: string): InnerList {
  const member = parseDictionary(signatureInput).get(label);
  if (!member || !isInnerList(member)) throw new Error(`no inner list for ${label}`);
  return member;
}
