import {
  type Dictionary,
  type InnerList,
  type Item,
  parseDictionary,
  serializeByteSequence,
  Token,
} from 'structured-headers';
import { Lru } from '../internal/lru.js';
import { sigFailure, type VerifyFailure } from './verify-failure.js';

/** The one signature chosen for verification, with its three correlated members. */
export interface SelectedSignature {
  readonly label: string;
  readonly input: InnerList;
  readonly signature: Uint8Array;
  readonly scheme: string;
  readonly keyParams: ReadonlyMap<string, unknown>;
}

function parse(value: string): Dictionary | undefined {
  try {
    return parseDictionary(value);
  } catch {
    return undefined;
  }
}

// An agent sends the same Signature-Key (its token) on every request, and parsing the JWT string
// costs more than the rest of the header work: keep the last parses, never mutated.
const keyParses = new Lru<string, Dictionary | undefined>(256);

function parseSignatureKey(value: string): Dictionary | undefined {
  let parsed = keyParses.get(value);
  if (parsed === undefined && !keyParses.has(value)) {
    parsed = parse(value);
    keyParses.set(value, parsed);
  }
  return parsed;
}

function schemeOf(member: Item | InnerList | undefined): string | undefined {
  if (!member || Array.isArray(member[0])) return undefined;
  const bare = member[0];
  return bare instanceof Token ? bare.toString() : undefined;
}

/**
 * Parse `Signature-Input`, `Signature` and `Signature-Key` as RFC 9651 Dictionaries and select
 * one label (digest §20 A14): candidates are labels present in all three; with several, the
 * one whose scheme is preferred; none or an unresolvable choice → `invalid_signature`.
 */
export function selectSignature(
  inputValue: string,
  signatureValue: string,
  keyValue: string,
  preferredSchemes: ReadonlySet<string>,
):
  | { readonly ok: true; readonly selected: SelectedSignature }
  | { readonly ok: false; readonly failure: VerifyFailure } {
  const inputs = parse(inputValue);
  const signatures = parse(signatureValue);
  const keys = parseSignatureKey(keyValue);
  if (!inputs || !signatures || !keys)
    return sigFailure(
      'invalid_signature',
      'a signature header is not a valid structured dictionary',
    );
  let candidates = [...inputs.keys()].filter((l) => signatures.has(l) && keys.has(l));
  if (candidates.length > 1) {
    candidates = candidates.filter((l) => preferredSchemes.has(schemeOf(keys.get(l)) ?? ''));
  }
  if (candidates.length !== 1) {
    return sigFailure(
      'invalid_signature',
      candidates.length === 0
        ? 'no label is present in all three signature headers'
        : 'more than one signature to choose from',
    );
  }
  const label = candidates[0] as string;
  const input = inputs.get(label) as Item | InnerList;
  if (!Array.isArray(input[0]))
    return sigFailure('invalid_signature', 'Signature-Input member is not an inner list');
  const sig = signatures.get(label) as Item | InnerList;
  if (!(sig[0] instanceof ArrayBuffer))
    return sigFailure('invalid_signature', 'Signature member is not a byte sequence');
  const bytes = new Uint8Array(sig[0]);
  // The parser tolerates unpadded base64; RFC 9651 byte sequences are strict (digest §20 A16).
  if (!signatureValue.includes(serializeByteSequence(sig[0]))) {
    return sigFailure('invalid_signature', 'Signature member is not strict base64');
  }
  if (bytes.length === 0)
    return sigFailure('invalid_signature', 'Signature member is empty or malformed');
  const keyMember = keys.get(label) as Item | InnerList;
  const scheme = schemeOf(keyMember);
  if (scheme === undefined)
    return sigFailure('invalid_signature', 'Signature-Key member has no scheme token');
  return {
    ok: true,
    selected: {
      label,
      input: input as InnerList,
      signature: bytes,
      scheme,
      keyParams: keyMember[1],
    },
  };
}
