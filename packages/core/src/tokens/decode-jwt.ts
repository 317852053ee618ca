import { decodeBase64Url, utf8Decode } from '../internal/base64.js';

/** A compact JWS split and decoded, nothing verified yet. */
export interface DecodedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** ASCII bytes of `header.payload`, the JWS signing input. */
  readonly signingInput: string;
  readonly signature: Uint8Array;
}

const MAX_JWT_LENGTH = 16 * 1024;

function parseJsonObject(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64Url(segment);
  if (bytes === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(utf8Decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Split a compact JWT; `undefined` when it is not three well-formed base64url JSON parts. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  if (token.length > MAX_JWT_LENGTH) return undefined;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 1 || second < 0 || token.indexOf('.', second + 1) !== -1) return undefined;
  const header = parseJsonObject(token.slice(0, first));
  const payload = parseJsonObject(token.slice(first + 1, second));
  const signature = decodeBase64Url(token.slice(second + 1));
  if (!header || !payload || !signature || signature.length === 0) return undefined;
  return { header, payload, signingInput: token.slice(0, second), signature };
}
