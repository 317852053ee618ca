// fast-check arbitraries for the property tests: structured-header-shaped garbage, random
// requests, mutations of a signed request and harmless variations of one.
import { fc } from '@fast-check/vitest';
import { b64, b64url } from './attack-fixture.ts';

/** Runs per property: ~200 by default so CI stays fast; raise with FUZZ_RUNS. */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

/** Per-property vitest timeout, scaled with the runs so FUZZ_RUNS can be raised freely. */
export const PROP_TIMEOUT_MS = Math.max(10_000, RUNS * 30);

/** Generous per-call bound: core answers in a few ms; anything near this is a hang. */
export const VERIFY_BOUND_MS = 2000;

const LCALPHA = 'abcdefghijklmnopqrstuvwxyz';
const KEY_CHARS = `${LCALPHA}0123456789_-.*`;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function chars(alphabet: string): fc.Arbitrary<string> {
  return fc.constantFrom(...alphabet.split(''));
}

/** An RFC 9651 Dictionary key (a signature label). */
export const sfKey: fc.Arbitrary<string> = fc
  .tuple(chars(`${LCALPHA}*`), fc.string({ unit: chars(KEY_CHARS), maxLength: 10 }))
  .map(([a, b]) => a + b);

/** Printable ASCII without `"` and `\` (an sf-string body needing no escapes). */
export const sfStringBody: fc.Arbitrary<string> = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 24,
});

/** An sf-string literal, escaped canonically. */
export const sfString: fc.Arbitrary<string> = sfStringBody.map(
  (s) => `"${s.replace(/[\\"]/g, '\\$&')}"`,
);

/** A JWT-looking string: three base64url segments (of JSON, garbage or nothing). */
export const jwtLike: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.constant(b64url('{"alg":"Ed25519","typ":"aa-agent+jwt","kid":"ap-key-1"}')),
      fc.json().map((j) => b64url(j)),
      fc.string({ unit: chars(B64URL), maxLength: 40 }),
    ),
    fc.oneof(
      fc.json().map((j) => b64url(j)),
      fc
        .record({
          iss: fc.constantFrom('https://agents.example', 'https://ps.example', 'https://x.example'),
          dwk: fc.constantFrom('aauth-agent.json', 'aauth-person.json'),
          exp: fc.integer(),
          iat: fc.integer(),
        })
        .map((p) => b64url(JSON.stringify(p))),
      fc.string({ unit: chars(B64URL), maxLength: 40 }),
    ),
    fc.string({ unit: chars(B64URL), maxLength: 90 }),
  )
  .map(([h, p, s]) => `${h}.${p}.${s}`);

const componentArb = fc.oneof(
  fc.constantFrom(
    '"@method"',
    '"@authority"',
    '"@path"',
    '"@query"',
    '"signature-key"',
    '"content-digest"',
    '"content-type"',
    '"@status"',
    '"@query-param";name="a"',
    '"signature-key";key="sig"',
    '"x";sf',
    '"x";bs',
  ),
  sfString,
);

const paramArb = fc.oneof(
  fc.integer({ min: -2, max: 2_000_000_000 }).map((n) => `;created=${n}`),
  fc.constantFrom(';created=1790000000', ';created=1790000000.5', ';expires=1790000030'),
  sfString.map((s) => `;nonce=${s}`),
  sfString.map((s) => `;tag=${s}`),
  fc.constantFrom(';alg="ed25519"', ';keyid="k"', ';created', ';created=?0'),
);

/** A `Signature-Input`-shaped member for `label`. */
export function signatureInputFor(label: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.array(componentArb, { maxLength: 7 }),
      fc.oneof(
        fc.constant(['@method', '@authority', '@path', 'signature-key'].map((c) => `"${c}"`)),
        fc.constant([]),
      ),
      fc.oneof(
        fc.array(paramArb, { maxLength: 4 }),
        fc.array(paramArb, { maxLength: 2 }).map((p) => [';created=1790000000', ...p]),
      ),
    )
    .map(
      ([comps, mandated, params]) =>
        `${label}=(${[...mandated, ...comps].join(' ')})${params.join('')}`,
    );
}

/** A `Signature`-shaped member for `label`. */
export function signatureFor(label: string): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => b64(b)),
      fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => b64(b)),
      fc.string({ unit: chars(`${B64URL}+/=`), maxLength: 90 }),
    )
    .map((v) => `${label}=:${v}:`);
}

/** A `Signature-Key`-shaped member for `label`. */
export function signatureKeyFor(label: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom('jwt', 'jwt', 'jwt', 'hwk', 'jwks_uri', 'jkt-jwt', 'x509', 'cached', 'magic'),
      fc.oneof(jwtLike, sfStringBody),
    )
    .map(([scheme, v]) => `${label}=${scheme};jwt="${v}"`);
}

const labelArb = fc.oneof(fc.constant('sig'), sfKey);

/** A `Signature-Input`-shaped value. */
export const signatureInputLike: fc.Arbitrary<string> = labelArb.chain(signatureInputFor);
/** A `Signature`-shaped value. */
export const signatureLike: fc.Arbitrary<string> = labelArb.chain(signatureFor);
/** A `Signature-Key`-shaped value. */
export const signatureKeyLike: fc.Arbitrary<string> = labelArb.chain(signatureKeyFor);

/** The three signature headers, usually under one shared label so selection succeeds. */
export const signatureTriple: fc.Arbitrary<[string, string, string]> = fc.oneof(
  labelArb.chain((l) => fc.tuple(signatureInputFor(l), signatureFor(l), signatureKeyFor(l))),
  fc.tuple(signatureInputLike, signatureLike, signatureKeyLike),
);

/** Any string, including control characters, quotes and non-ASCII. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

/** A value for one of the protocol headers: garbage or structured-header-shaped. */
export function headerValueFor(name: string): fc.Arbitrary<string> {
  const shaped =
    name === 'signature-input'
      ? signatureInputLike
      : name === 'signature'
        ? signatureLike
        : name === 'signature-key'
          ? signatureKeyLike
          : name === 'content-digest'
            ? fc
                .tuple(
                  fc.constantFrom('sha-256', 'sha-512', 'md5', 'x'),
                  fc.uint8Array({ maxLength: 64 }),
                )
                .map(([a, b]) => `${a}=:${b64(b)}:`)
            : name === 'authorization'
              ? fc.constantFrom('AAuth abc', 'Bearer abc', 'aauth', 'AAuth  ', '')
              : anyString;
  return fc.oneof(shaped, anyString);
}

export const PROTOCOL_HEADERS = [
  'signature',
  'signature-input',
  'signature-key',
  'content-digest',
  'authorization',
  'content-type',
] as const;

/** Random header lines drawn from the protocol headers and a few others. */
export const protocolHeaderLines: fc.Arbitrary<[string, string][]> = fc.array(
  fc
    .constantFrom(...PROTOCOL_HEADERS, 'x-other', 'host')
    .chain((name) => fc.tuple(fc.constantFrom(name, name.toUpperCase()), headerValueFor(name))),
  { maxLength: 8 },
);

export const methodArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'get'),
  fc.string({ maxLength: 10 }),
);

export const targetArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('/notes', '/', '/notes?id=1', '*', 'https://resource.example/notes', ''),
  fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
  fc.string({ maxLength: 40 }),
);

export const bodyArb: fc.Arbitrary<Uint8Array | undefined> = fc.option(
  fc.uint8Array({ maxLength: 256 }),
  { nil: undefined },
);
