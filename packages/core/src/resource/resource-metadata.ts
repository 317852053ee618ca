import { isServerIdentifier } from '../identifiers/is-server-identifier.js';

/** Optional members of `/.well-known/aauth-resource.json` (AAuth-11 §11.2.4) the operator sets. */
export interface ResourceMetadataOptions {
  /** Where the JWKS is served. Default `{resource}/.well-known/jwks.json`. */
  readonly jwksUri?: string;
  /** Advisory default access mode. Default: derived by nothing; omitted. */
  readonly accessMode?:
    | 'agent-token'
    | 'person-token'
    | 'session-token'
    | 'auth-token'
    | (string & {});
  /** Scope → Markdown description; also limits the scopes routes may require. Default: omitted. */
  readonly scopeDescriptions?: Readonly<Record<string, string>>;
  /** The resource's authorization endpoint (https). Default: omitted. */
  readonly authorizationEndpoint?: string;
  /** The resource's revocation endpoint (https). RECOMMENDED when person tokens are accepted. */
  readonly revocationEndpoint?: string;
  /** Display name. */
  readonly name?: string;
  /** Markdown description. */
  readonly description?: string;
  readonly documentationUri?: string;
  readonly logoUri?: string;
  readonly logoDarkUri?: string;
  readonly tosUri?: string;
  readonly policyUri?: string;
  /** Further members (e.g. `r3_vocabularies`), merged last; protocol spellings. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Values core derives from its own configuration. */
export interface DerivedMetadata {
  readonly resource: string;
  readonly signatureWindow: number;
  readonly additionalSignatureComponents: readonly string[];
  readonly algorithms: readonly string[];
  readonly dev: boolean;
}

function httpsUri(name: string, value: string | undefined, dev: boolean): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`metadata.${name} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(dev && url.protocol === 'http:'))
    throw new TypeError(`metadata.${name} must be https`);
  return value;
}

/** Build the metadata document once, at start-up (validated; frozen). */
export function buildResourceMetadata(
  o: ResourceMetadataOptions,
  d: DerivedMetadata,
): Readonly<Record<string, unknown>> {
  const doc: Record<string, unknown> = {
    issuer: d.resource,
    jwks_uri: httpsUri('jwksUri', o.jwksUri, d.dev) ?? `${d.resource}/.well-known/jwks.json`,
  };
  if (o.accessMode !== undefined) doc.access_mode = o.accessMode;
  if (o.scopeDescriptions !== undefined) {
    for (const [k, v] of Object.entries(o.scopeDescriptions)) {
      if (typeof v !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(k))
        throw new TypeError(`metadata.scopeDescriptions: bad entry ${JSON.stringify(k)}`);
    }
    doc.scope_descriptions = { ...o.scopeDescriptions };
  }
  doc.signature_window = d.signatureWindow;
  if (d.additionalSignatureComponents.length > 0)
    doc.additional_signature_components = [...d.additionalSignatureComponents];
  const endpoints: [string, string, string | undefined][] = [
    ['authorization_endpoint', 'authorizationEndpoint', o.authorizationEndpoint],
    ['revocation_endpoint', 'revocationEndpoint', o.revocationEndpoint],
    ['documentation_uri', 'documentationUri', o.documentationUri],
    ['logo_uri', 'logoUri', o.logoUri],
    ['logo_dark_uri', 'logoDarkUri', o.logoDarkUri],
    ['tos_uri', 'tosUri', o.tosUri],
    ['policy_uri', 'policyUri', o.policyUri],
  ];
  for (const [member, option, value] of endpoints) {
    const v = httpsUri(option, value, d.dev);
    if (v !== undefined) {
      if (
        (member === 'authorization_endpoint' || member === 'revocation_endpoint') &&
        /[?#]/.test(v)
      ) {
        throw new TypeError(`metadata.${option} must have no query or fragment`);
      }
      doc[member] = v;
    }
  }
  doc.accept_signature_algs = [...d.algorithms];
  if (o.name !== undefined) doc.name = String(o.name);
  if (o.description !== undefined) doc.description = String(o.description);
  if (o.extra) {
    for (const [k, v] of Object.entries(o.extra)) if (!(k in doc)) doc[k] = v;
  }
  if (!d.dev && !isServerIdentifier(doc.issuer))
    throw new TypeError('resource must be a server identifier');
  return Object.freeze(doc);
}
