// The attack corpus: one row per attack, each naming the rule it defends. Run in process by
// attack-corpus.test.ts; exported so the conformance suite can replay the portable subset over
// HTTP (`isPortable` in attack-case.ts: no `options`, no `fetch`, no `inProcessOnly`).
import { createHash } from 'node:crypto';
import {
  createMemoryRevocationStore,
  mintResourceToken,
  type RequirementInput,
} from '../../src/index.ts';
import {
  ALT_AUTHORITY,
  AP,
  AS,
  type AttackFixture,
  type AttackOptions,
  AUTHORITY,
  b64,
  b64url,
  DWK,
  digestOf,
  type FetchEntry,
  fromB64,
  issuerDocuments,
  MANDATED,
  metadataUrl,
  mintJws,
  NOW,
  OTHER_RESOURCE,
  PS,
  RESOURCE,
  type TokenKindName,
  utf8,
} from '../support/attack-fixture.ts';
import {
  addHeader,
  apJwksAt,
  type Build,
  flipBit,
  genuine,
  headerValue,
  malleateEd25519,
  malleateEs256,
  POST,
  ROUTE,
  rawTokenAttack,
  setHeader,
  signed,
  tamper,
  tokenAttack,
} from './attack-builders.ts';
import {
  type AttackCase,
  accepted,
  challenge,
  denied,
  sigError,
  unavailable,
} from './attack-case.ts';

const AUTH_ROUTE: RequirementInput = { auth: 'notes:write' };
const POST_COMPONENTS = [
  '@method',
  '@authority',
  '@path',
  'content-type',
  'content-digest',
  'signature-key',
];
const AP_META = metadataUrl(AP, DWK.agent);

const apPub = (fx: AttackFixture): Record<string, unknown> => ({
  ...fx.keys.ap.publicJwk,
  kid: fx.keys.ap.kid,
});
const evilPub = (fx: AttackFixture): Record<string, unknown> => ({
  ...fx.keys.evil.publicJwk,
  kid: fx.keys.evil.kid,
});

/** Documents for an issuer the attacker runs, signing with the attacker's key. */
function rogueIssuer(fx: AttackFixture, iss: string, dwk: string = DWK.agent) {
  return issuerDocuments(iss, dwk, [evilPub(fx)]);
}

/** An agent token from `iss`, signed by the attacker, whose documents are served and valid. */
function fromIssuer(iss: string, more: { trustAny?: boolean; kind?: TokenKindName } = {}): Build {
  const kind = more.kind ?? 'agent';
  const dwk = kind === 'agent' ? DWK.agent : DWK.person;
  return tokenAttack(kind, (fx) => ({ issuerKey: fx.keys.evil, claims: { iss } }), {
    fetch: (fx) => rogueIssuer(fx, iss, dwk),
    ...(more.trustAny
      ? { options: { trust: { agentProviders: 'any', personServers: 'any' } } }
      : {}),
    fetched: () => [],
  });
}

/** An agent token whose `cnf.jwk` is `jwk`. */
function cnfAttack(jwk: (fx: AttackFixture) => Record<string, unknown> | undefined): Build {
  return tokenAttack('agent', (fx) => ({ claims: { cnf: { jwk: jwk(fx) } } }));
}

/** The agent provider's JWKS replaced by `keys`. */
function apKeys(keys: (fx: AttackFixture) => Record<string, unknown>[]) {
  return (fx: AttackFixture) => issuerDocuments(AP, DWK.agent, keys(fx));
}

/** The agent provider's metadata replaced by `doc` (its JWKS stays where it was). */
function apMetadata(doc: (fx: AttackFixture) => Record<string, unknown>) {
  return (fx: AttackFixture) => ({ [AP_META]: { body: doc(fx) } });
}

/** A JWKS moved to a refused place: discovery must stop before fetching it. */
function refusedJwks(url: string): Build {
  return tokenAttack('agent', () => ({}), {
    fetch: (fx) => apJwksAt(fx, url),
    fetched: () => [AP_META],
    followUp: 'person',
  });
}

/** An agent token whose AP metadata answers with `entry`. */
function apMetadataAnswer(
  entry: (fx: AttackFixture) => FetchEntry,
  options: { fetchTimeoutMs?: number; maxDocumentBytes?: number } = {},
  withinMs?: number,
): Build {
  return tokenAttack('agent', () => ({}), {
    fetch: (fx) => ({ [AP_META]: entry(fx) }),
    options,
    followUp: 'person',
    ...(withinMs === undefined ? {} : { withinMs }),
  });
}

/** A fetch that never settles unless aborted. */
const hangUntilAborted: FetchEntry = (_url, init) =>
  new Promise<Response>((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
  });

/** A fetch that never settles at all, ignoring its signal. */
const hangForever: FetchEntry = () => new Promise<Response>(() => undefined);

/** A sign-options variant of the default JSON POST. */
const postWith = (over: Partial<typeof POST>) => (): typeof POST => ({ ...POST, ...over });

/** Rewrite the JWT header (keeping payload and signature). */
function reheader(jwt: string, change: (h: Record<string, unknown>) => void): string {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  change(header);
  return `${b64url(JSON.stringify(header))}.${p}.${s}`;
}

/** A replay: the genuine request is sent first, then `replay(it)`. */
function replay(
  mutate: (s: Awaited<ReturnType<AttackFixture['sign']>>) => ReturnType<typeof setHeader>,
  sign: (fx: AttackFixture) => Promise<Awaited<ReturnType<AttackFixture['sign']>>>,
  options?: AttackOptions,
): Build {
  return async (fx) => {
    const s = await sign(fx);
    return { before: [s.request], request: mutate(s), ...(options ? { options } : {}) };
  };
}

/** A token revoked in the verifier's revocation store. */
function revoked(kind: TokenKindName, requirement: RequirementInput | undefined): Build {
  return async (fx) => {
    const jti = `revoked-${kind}`;
    const iss = kind === 'agent' ? AP : PS;
    const revocation = createMemoryRevocationStore({ now: () => NOW });
    revocation.revoke(iss, jti, NOW + 3600);
    const s = await fx.sign({ ...POST, token: await fx.token(kind, { claims: { jti } }) });
    const follow = await genuine(fx, kind);
    return {
      request: s.request,
      ...(requirement === undefined ? {} : { requirement }),
      options: { revocation },
      followUp: follow.request,
      followUpRequirement: ROUTE[kind] ?? 'agent',
    };
  };
}

function md5Digest(body: string): string {
  return `md5=:${createHash('md5').update(body).digest('base64')}:`;
}

/** JSON nested `depth` levels deep. */
function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

export const attackCases: readonly AttackCase[] = [
  // ---------------------------------------------------------------- algorithm confusion (JWT)
  {
    id: 'jwt-alg-none-unsigned',
    area: 'algorithm',
    title: 'agent token with alg none and an empty signature',
    defends: 'digest §4.5, §7.1; P§11.5.1 (none MUST NOT be accepted); RFC 8725 §3.1',
    build: tokenAttack('agent', () => ({ header: { alg: 'none' }, signer: { none: true } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-alg-none-signed',
    area: 'algorithm',
    title: 'alg none over a signature that does verify with the issuer key',
    defends: 'digest §4.5; P§11.5.1',
    build: tokenAttack('agent', () => ({ header: { alg: 'none' } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-hs256-public-jwk-as-secret',
    area: 'algorithm',
    title: 'HS256 keyed with the JSON text of the issuer public JWK (key confusion)',
    defends: 'digest §4.5 (symmetric MUST NOT); P§11.5.1; RFC 8725 §2.1',
    build: tokenAttack('agent', (fx) => ({
      header: { alg: 'HS256' },
      signer: { hmac: JSON.stringify(apPub(fx)) },
    })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-hs256-public-key-bytes-as-secret',
    area: 'algorithm',
    title: 'HS256 keyed with the raw bytes of the issuer Ed25519 public key',
    defends: 'digest §4.5; P§11.5.1; RFC 8725 §2.1',
    build: tokenAttack('agent', (fx) => ({
      header: { alg: 'HS256' },
      signer: { hmac: fromB64(String(fx.keys.ap.publicJwk.x)) },
    })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-alg-eddsa',
    area: 'algorithm',
    title: 'polymorphic EdDSA header over a valid Ed25519 signature',
    defends: 'digest §4.5 (EdDSA MUST NOT, RFC 9864); P§11.5.1',
    build: tokenAttack('agent', () => ({ header: { alg: 'EdDSA' } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-alg-eddsa-jwks-eddsa',
    area: 'algorithm',
    title: 'EdDSA in both the JWT header and the JWKS key',
    defends: 'digest §4.5, §6 step 3 (selected key MUST carry a fully-specified alg)',
    build: tokenAttack('agent', () => ({ header: { alg: 'EdDSA' } }), {
      fetch: apKeys((fx) => [{ ...apPub(fx), alg: 'EdDSA' }]),
      followUp: 'person',
    }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-alg-rs256',
    area: 'algorithm',
    title: 'RS256 token whose RSA key the issuer publishes',
    defends: 'digest §4.5 (accepted token algorithms are an allow-list); P§11.5.1',
    build: tokenAttack(
      'agent',
      (fx) => ({ issuerKey: fx.keys.rsa, header: { alg: 'RS256', kid: fx.keys.rsa.kid } }),
      { fetch: apKeys((fx) => [apPub(fx), { ...fx.keys.rsa.publicJwk }]) },
    ),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwks-alg-disagrees-with-kty',
    area: 'algorithm',
    title: 'JWKS key OKP/Ed25519 labelled ES256, JWT header ES256',
    defends: 'digest §4.5 (kty/crv must fit alg), §6 step 3',
    build: tokenAttack('agent', () => ({ header: { alg: 'ES256' } }), {
      fetch: apKeys((fx) => [{ ...apPub(fx), alg: 'ES256' }]),
      followUp: 'person',
    }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-header-alg-differs-from-jwks-alg',
    area: 'algorithm',
    title: 'JWT header ES256 while the JWKS key under that kid says Ed25519',
    defends: 'digest §20 A30 (header alg = JWK alg)',
    build: tokenAttack('agent', (fx) => ({
      issuerKey: { ...fx.keys.as, kid: fx.keys.ap.kid },
    })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwks-key-without-alg',
    area: 'algorithm',
    title: 'the selected JWKS key carries no alg',
    defends: 'P§11.4 (every key MUST carry alg); digest §6 step 3',
    build: tokenAttack('agent', () => ({}), {
      fetch: apKeys((fx) => {
        const { alg: _alg, ...k } = apPub(fx);
        return [k];
      }),
      followUp: 'person',
    }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-embedded-jwk-header',
    area: 'algorithm',
    title: 'attacker key embedded in the JWT header (jwk), signed with it',
    defends: 'digest §6 (keys only from the issuer JWKS); P§13.3 (links are never key sources)',
    build: tokenAttack('agent', (fx) => ({
      issuerKey: fx.keys.evil,
      header: { jwk: evilPub(fx) },
    })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-jku-x5u-header',
    area: 'algorithm',
    title: 'jku/x5u headers pointing at the attacker are never fetched',
    defends: 'digest §6; P§13.3; SK§7.3 egress',
    build: async (fx) => ({
      ...(await tokenAttack('agent', (f) => ({
        issuerKey: f.keys.evil,
        header: { jku: 'https://evil.example/jwks.json', x5u: 'https://evil.example/cert.pem' },
      }))(fx)),
      neverFetchHosts: ['evil.example'],
    }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-forged-same-kid',
    area: 'algorithm',
    title: 'attacker key under the issuer kid',
    defends: 'digest §6 step 4; P§11.5.2',
    build: tokenAttack('agent', (fx) => ({ issuerKey: fx.keys.evil })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-crit-unknown-extension',
    area: 'algorithm',
    title: 'crit names an extension the verifier does not understand',
    defends: 'RFC 7515 §4.1.11 (the JWS MUST be rejected); RFC 8725 §3.1',
    build: tokenAttack('agent', () => ({
      header: { crit: ['urn:example:must-understand'], 'urn:example:must-understand': true },
    })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'cnf-alg-none',
    area: 'algorithm',
    title: 'cnf.jwk alg none',
    defends: 'digest §4.5; P§11.3.4 step 6',
    build: cnfAttack((fx) => ({ ...fx.keys.agent.publicJwk, alg: 'none' })),
    expect: sigError('unsupported_algorithm'),
  },
  {
    id: 'cnf-alg-eddsa',
    area: 'algorithm',
    title: 'cnf.jwk alg EdDSA (polymorphic)',
    defends: 'digest §4.5; P§11.3.4 step 6',
    build: cnfAttack((fx) => ({ ...fx.keys.agent.publicJwk, alg: 'EdDSA' })),
    expect: sigError('unsupported_algorithm'),
  },
  {
    id: 'cnf-oct-hs256',
    area: 'algorithm',
    title: 'cnf.jwk is a symmetric oct key with HS256',
    defends: 'digest §4.5 (symmetric MUST NOT); P§11.3.1',
    build: cnfAttack(() => ({ kty: 'oct', k: b64url('shared-secret-0123456789'), alg: 'HS256' })),
    expect: sigError('unsupported_algorithm'),
  },
  {
    id: 'cnf-alg-absent',
    area: 'algorithm',
    title: 'cnf.jwk without alg',
    defends: 'digest §4.5 (alg absent → unsupported_algorithm); P§11.3.4 step 6',
    build: cnfAttack((fx) => {
      const { alg: _alg, ...k } = fx.keys.agent.publicJwk;
      return k;
    }),
    expect: sigError('unsupported_algorithm'),
  },
  {
    id: 'cnf-rsa-rs256',
    area: 'algorithm',
    title: 'cnf.jwk is an RSA key with RS256 (not accepted here)',
    defends: 'digest §4.5 (exactly the accepted set); SK§4.2',
    build: cnfAttack((fx) => ({ ...fx.keys.rsa.publicJwk })),
    expect: sigError('unsupported_algorithm'),
  },
  {
    id: 'cnf-es384-not-accepted',
    area: 'algorithm',
    title: 'cnf.jwk ES384 when the resource accepts Ed25519 and ES256',
    defends: 'digest §4.5; SK§4.2 Accept-Signature-Alg',
    build: cnfAttack((fx) => ({ ...fx.keys.es384.publicJwk })),
    expect: sigError('unsupported_algorithm'),
  },
  {
    id: 'cnf-okp-labelled-es256',
    area: 'algorithm',
    title: 'cnf.jwk OKP/Ed25519 labelled ES256',
    defends: 'digest §4.5 (kty/crv ≠ alg → invalid_key); P§11.3.4 step 6',
    build: cnfAttack((fx) => ({ ...fx.keys.agent.publicJwk, alg: 'ES256' })),
    expect: sigError('invalid_key'),
  },
  {
    id: 'cnf-p256-labelled-ed25519',
    area: 'algorithm',
    title: 'cnf.jwk EC/P-256 labelled Ed25519',
    defends: 'digest §4.5; P§11.3.4 step 6',
    build: cnfAttack((fx) => ({ ...fx.keys.agentEs256.publicJwk, alg: 'Ed25519' })),
    expect: sigError('invalid_key'),
  },
  {
    id: 'cnf-p384-labelled-es256',
    area: 'algorithm',
    title: 'cnf.jwk EC/P-384 labelled ES256 (curve mismatch)',
    defends: 'digest §4.5 (ES256 ↔ EC/P-256)',
    build: cnfAttack((fx) => ({ ...fx.keys.es384.publicJwk, alg: 'ES256' })),
    expect: sigError('invalid_key'),
  },

  // ---------------------------------------------------------------- token kind swaps
  {
    id: 'person-token-relabelled-auth',
    area: 'token-kind',
    title: 'person token whose typ the agent rewrote to aa-auth+jwt',
    defends: 'digest §7.1, §17 (typ first, the only difference); P§13.11',
    build: rawTokenAttack(
      'person',
      async (fx) =>
        reheader(await fx.token('person'), (h) => {
          h.typ = 'aa-auth+jwt';
        }),
      { requirement: AUTH_ROUTE, followUp: 'person' },
    ),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'auth-token-other-audience',
    area: 'token-kind',
    title: 'auth token issued for another resource',
    defends: 'digest §7.6 (aud = own identifier); P§9.4.3',
    build: tokenAttack('auth', () => ({ claims: { aud: OTHER_RESOURCE } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'auth-token-aud-array-with-other',
    area: 'token-kind',
    title: 'auth token aud is an array naming this and another resource',
    defends: 'digest §20 A22 (arrays rejected)',
    build: tokenAttack('auth', () => ({ claims: { aud: [RESOURCE, OTHER_RESOURCE] } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'auth-token-aud-array-self-only',
    area: 'token-kind',
    title: 'auth token aud is a one-element array',
    defends: 'digest §20 A22',
    build: tokenAttack('auth', () => ({ claims: { aud: [RESOURCE] } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'person-token-other-audience',
    area: 'token-kind',
    title: 'person token issued for another resource',
    defends: 'digest §7.4; P§7.1.4',
    build: tokenAttack('person', () => ({ claims: { aud: OTHER_RESOURCE } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'agent-token-dwk-person',
    area: 'token-kind',
    title: 'agent token with dwk aauth-person.json',
    defends: 'digest §6 step 1 (dwk matches typ); P§11.5.2',
    build: tokenAttack('agent', () => ({ claims: { dwk: DWK.person } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'person-token-dwk-agent',
    area: 'token-kind',
    title: 'person token with dwk aauth-agent.json',
    defends: 'digest §6 step 1',
    build: tokenAttack('person', () => ({ claims: { dwk: DWK.agent } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'auth-token-dwk-agent',
    area: 'token-kind',
    title: 'auth token with dwk aauth-agent.json',
    defends: 'digest §6 step 1, §7.6',
    build: tokenAttack('auth', () => ({ claims: { dwk: DWK.agent } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'resource-token-as-credential',
    area: 'token-kind',
    title: "the resource's own resource token presented in Signature-Key",
    defends: 'digest §20 A39 (aa-resource+jwt → invalid_jwt); P§11.5.1',
    build: rawTokenAttack(
      'auth',
      async (fx) =>
        (
          await mintResourceToken(fx.keys.resource, {
            iss: RESOURCE,
            aud: PS,
            ps: PS,
            sub: 'someone',
            presentedJti: 'pt-1',
            agentJkt: fx.keys.agent.thumbprint,
            scope: ['notes:write'],
            now: NOW,
            lifetime: 300,
          })
        ).token,
    ),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'typ-jwt',
    area: 'token-kind',
    title: 'typ JWT',
    defends: 'digest §7.1; P§11.5.1, §13.11',
    build: tokenAttack('agent', () => ({ header: { typ: 'JWT' } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'typ-missing',
    area: 'token-kind',
    title: 'no typ',
    defends: 'digest §7.1; P§13.11',
    build: tokenAttack('agent', () => ({ header: { typ: undefined } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'typ-uppercase',
    area: 'token-kind',
    title: 'typ AA-AGENT+JWT',
    defends: 'digest §7.1 (exact typ values)',
    build: tokenAttack('agent', () => ({ header: { typ: 'AA-AGENT+JWT' } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'typ-media-type-prefix',
    area: 'token-kind',
    title: 'typ application/aa-agent+jwt',
    defends: 'digest §7.1 (exact typ values)',
    build: tokenAttack('agent', () => ({ header: { typ: 'application/aa-agent+jwt' } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'auth-token-three-party-claims-access-dwk',
    area: 'token-kind',
    title: 'PS-issued auth token claiming dwk aauth-access.json at a three-party resource',
    defends: 'digest §18 item 2 (four-party only from the own AS), §20 A41',
    build: tokenAttack('auth', () => ({ claims: { dwk: DWK.access } }), { fetched: () => [] }),
    expect: denied(),
  },
  {
    id: 'auth-token-from-ps-at-four-party',
    area: 'token-kind',
    title: 'PS-issued auth token at a four-party resource (own AS only)',
    defends: 'digest §18 item 2, §7.6; P§6.7, §9.4.3',
    build: tokenAttack('auth', () => ({}), {
      options: { trust: { agentProviders: [AP], personServers: [PS], accessServer: AS } },
      followUp: 'person',
      fetched: () => [],
    }),
    expect: denied(),
  },
  {
    id: 'person-claims-under-auth-typ',
    area: 'token-kind',
    title: 'the PS signs person-token claims under typ aa-auth+jwt (no ps claim)',
    defends: 'digest §7.6 (ps REQUIRED); P§13.11',
    build: tokenAttack('person', () => ({ header: { typ: 'aa-auth+jwt' } }), {
      requirement: AUTH_ROUTE,
      followUp: 'person',
    }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'auth-token-ps-not-issuer',
    area: 'token-kind',
    title: 'three-party auth token whose ps names another PS',
    defends: 'digest §7.6 (PS with iss = ps in three-party)',
    build: tokenAttack('auth', () => ({ claims: { ps: 'https://other-ps.example' } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'auth-token-four-party-other-audience',
    area: 'token-kind',
    title: 'four-party auth token from the own AS for another resource',
    defends: 'digest §7.6; P§9.4.3',
    build: tokenAttack(
      'auth',
      (fx) => ({
        issuerKey: fx.keys.as,
        claims: { iss: AS, dwk: DWK.access, aud: OTHER_RESOURCE },
      }),
      {
        options: { trust: { agentProviders: [AP], personServers: [PS], accessServer: AS } },
        followUp: 'person',
      },
    ),
    expect: sigError('invalid_jwt'),
  },

  // ---------------------------------------------------------------- key binding (cnf)
  {
    id: 'cnf-of-another-key',
    area: 'key-binding',
    title: "agent token bound to another agent's key, request signed by this one",
    defends: 'digest §7.1 (verified with cnf.jwk); P§11.3.4 step 7',
    build: tokenAttack('agent', (fx) => ({ cnf: fx.keys.otherAgent })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'stolen-person-token',
    area: 'key-binding',
    title: 'person token replayed by an attacker signing with its own key',
    defends: 'digest §17 (no bearer tokens); P§13.1',
    build: tokenAttack('person', () => ({}), { signKey: (fx) => fx.keys.otherAgent }),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'stolen-auth-token',
    area: 'key-binding',
    title: 'auth token replayed by an attacker signing with its own key',
    defends: 'digest §17; P§13.1',
    build: tokenAttack('auth', () => ({}), { signKey: (fx) => fx.keys.otherAgent }),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'cnf-missing',
    area: 'key-binding',
    title: 'agent token without cnf',
    defends: 'digest §7.1, VECTORS reject-cnf-missing',
    build: tokenAttack('agent', () => ({ claims: { cnf: undefined } })),
    expect: sigError('invalid_key'),
  },
  {
    id: 'cnf-jwk-incomplete',
    area: 'key-binding',
    title: 'cnf.jwk without x',
    defends: 'digest §7.1 (structurally incomplete → invalid_key); P§9.4.3.2',
    build: cnfAttack((fx) => {
      const { x: _x, ...k } = fx.keys.agent.publicJwk;
      return k;
    }),
    expect: sigError('invalid_key'),
  },
  {
    id: 'cnf-jwk-x-wrong-length',
    area: 'key-binding',
    title: 'cnf.jwk x of 31 bytes',
    defends: 'digest §7.1 (unparseable key material → invalid_key)',
    build: cnfAttack((fx) => ({ ...fx.keys.agent.publicJwk, x: b64url(new Uint8Array(31)) })),
    expect: sigError('invalid_key'),
  },

  // ---------------------------------------------------------------- issuer trust & identifiers
  {
    id: 'untrusted-agent-provider',
    area: 'issuer-trust',
    title: 'agent provider outside the allow-list (never contacted)',
    defends: 'digest §18 item 2, §20 A41 (403 denied); SK§7.3',
    build: fromIssuer('https://rogue-agents.example'),
    expect: denied(),
  },
  {
    id: 'lookalike-issuer-suffix',
    area: 'issuer-trust',
    title: 'issuer https://agents.example.evil.test (suffix look-alike)',
    defends: 'digest §3 (exact string comparison), §18 item 2',
    build: fromIssuer('https://agents.example.evil.test'),
    expect: denied(),
  },
  {
    id: 'lookalike-issuer-uppercase',
    area: 'issuer-trust',
    title: 'issuer https://AGENTS.example',
    defends: 'digest §3 (lowercase server identifiers); P§11.1.1',
    build: fromIssuer('https://AGENTS.example', { trustAny: true }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'lookalike-issuer-trailing-dot',
    area: 'issuer-trust',
    title: 'issuer https://agents.example. (trailing dot)',
    defends: 'digest §3; P§11.1.1',
    build: fromIssuer('https://agents.example.', { trustAny: true }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'lookalike-issuer-port',
    area: 'issuer-trust',
    title: 'issuer https://agents.example:443',
    defends: 'digest §3 (no port); P§11.1.1',
    build: fromIssuer('https://agents.example:443', { trustAny: true }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'lookalike-issuer-path',
    area: 'issuer-trust',
    title: 'issuer https://agents.example/tenant',
    defends: 'digest §3 (no path); P§11.1.1',
    build: fromIssuer('https://agents.example/tenant', { trustAny: true }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'lookalike-issuer-userinfo',
    area: 'issuer-trust',
    title: 'issuer https://agents.example@evil.example (userinfo; host is evil.example)',
    defends: 'digest §3; P§11.1.1',
    build: fromIssuer('https://agents.example@evil.example', { trustAny: true }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'lookalike-issuer-trailing-slash',
    area: 'issuer-trust',
    title: 'issuer https://agents.example/',
    defends: 'digest §3 (no trailing slash)',
    build: fromIssuer('https://agents.example/', { trustAny: true }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'issuer-plain-http',
    area: 'issuer-trust',
    title: 'issuer http://agents.example',
    defends: 'digest §3 (https only)',
    build: fromIssuer('http://agents.example', { trustAny: true }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'untrusted-person-server',
    area: 'issuer-trust',
    title: 'person token from a PS outside the allow-list',
    defends: 'digest §18 item 2, §17 (three-party trust, allow-list)',
    build: fromIssuer('https://rogue-ps.example', { kind: 'person' }),
    expect: denied(),
  },
  {
    id: 'metadata-issuer-mismatch',
    area: 'issuer-trust',
    title: 'poisoned metadata names another issuer and the attacker JWKS',
    defends: 'digest §3 metadata rules (issuer_mismatch); SK§3.6',
    build: tokenAttack('agent', (fx) => ({ issuerKey: fx.keys.evil }), {
      fetch: (fx) => ({
        [AP_META]: { body: { issuer: 'https://evil.example', jwks_uri: 'https://evil.example/j' } },
        'https://evil.example/j': { body: { keys: [evilPub(fx)] } },
      }),
      fetched: () => [AP_META],
      followUp: 'person',
    }),
    expect: sigError('issuer_mismatch'),
  },
  {
    id: 'metadata-issuer-trailing-slash',
    area: 'issuer-trust',
    title: 'metadata issuer https://agents.example/ (not byte-equal)',
    defends: 'digest §3 (byte-equal issuer)',
    build: tokenAttack('agent', () => ({}), {
      fetch: apMetadata(() => ({ issuer: `${AP}/`, jwks_uri: `${AP}/jwks/aauth-agent.json` })),
      followUp: 'person',
    }),
    expect: sigError('issuer_mismatch'),
  },
  {
    id: 'metadata-issuer-uppercase',
    area: 'issuer-trust',
    title: 'metadata issuer https://Agents.example',
    defends: 'digest §3 (byte-equal issuer)',
    build: tokenAttack('agent', () => ({}), {
      fetch: apMetadata(() => ({
        issuer: 'https://Agents.example',
        jwks_uri: `${AP}/jwks/aauth-agent.json`,
      })),
      followUp: 'person',
    }),
    expect: sigError('issuer_mismatch'),
  },
  {
    id: 'metadata-issuer-missing',
    area: 'issuer-trust',
    title: 'metadata without issuer',
    defends: 'digest §3 (issuer_missing); SK§3.6',
    build: tokenAttack('agent', () => ({}), {
      fetch: apMetadata(() => ({ jwks_uri: `${AP}/jwks/aauth-agent.json` })),
      fetched: () => [AP_META],
      followUp: 'person',
    }),
    expect: sigError('issuer_missing'),
  },

  // ---------------------------------------------------------------- discovery and egress
  {
    id: 'jwks-uri-loopback',
    area: 'discovery',
    title: 'jwks_uri https://127.0.0.1/… is refused without fetching',
    defends: 'digest §6 egress admission; SK§7.3; P§11.4',
    build: refusedJwks('https://127.0.0.1/jwks.json'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-private-10',
    area: 'discovery',
    title: 'jwks_uri https://10.0.0.1/',
    defends: 'digest §6 egress admission; SK§7.3',
    build: refusedJwks('https://10.0.0.1/'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-private-192-168',
    area: 'discovery',
    title: 'jwks_uri https://192.168.1.1/',
    defends: 'digest §6 egress admission; SK§7.3',
    build: refusedJwks('https://192.168.1.1/'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-private-172-16',
    area: 'discovery',
    title: 'jwks_uri https://172.16.0.1/',
    defends: 'digest §6 egress admission',
    build: refusedJwks('https://172.16.0.1/'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-cloud-metadata',
    area: 'discovery',
    title: 'jwks_uri https://169.254.169.254/latest/meta-data (link-local, metadata service)',
    defends: 'digest §6 egress admission; SK§7.3',
    build: refusedJwks('https://169.254.169.254/latest/meta-data'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-plain-http',
    area: 'discovery',
    title: 'jwks_uri http://agents.example/… (plain http)',
    defends: 'digest §3 (jwks_uri MUST be https), §6; P§11.1.2',
    build: refusedJwks('http://agents.example/jwks.json'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-ipv6-loopback',
    area: 'discovery',
    title: 'jwks_uri https://[::1]/',
    defends: 'digest §6 egress admission',
    build: refusedJwks('https://[::1]/jwks.json'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-ipv6-link-local',
    area: 'discovery',
    title: 'jwks_uri https://[fe80::1]/',
    defends: 'digest §6 egress admission',
    build: refusedJwks('https://[fe80::1]/jwks.json'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-ipv4-mapped-ipv6',
    area: 'discovery',
    title: 'jwks_uri https://[::ffff:127.0.0.1]/',
    defends: 'digest §6 egress admission',
    build: refusedJwks('https://[::ffff:127.0.0.1]/jwks.json'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-decimal-ipv4',
    area: 'discovery',
    title: 'jwks_uri https://2130706433/ (127.0.0.1 spelled as one number)',
    defends: 'digest §6 egress admission (checked on the parsed host)',
    build: refusedJwks('https://2130706433/jwks.json'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-unspecified',
    area: 'discovery',
    title: 'jwks_uri https://0.0.0.0/',
    defends: 'digest §6 egress admission',
    build: refusedJwks('https://0.0.0.0/jwks.json'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-localhost',
    area: 'discovery',
    title: 'jwks_uri https://localhost/',
    defends: 'digest §6 egress admission',
    build: refusedJwks('https://localhost/jwks.json'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-localhost-trailing-dot',
    area: 'discovery',
    title: 'jwks_uri https://localhost./ (the same name, fully qualified)',
    defends: 'digest §6 egress admission; RFC 6761 §6.3',
    build: refusedJwks('https://localhost./jwks.json'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-file-scheme',
    area: 'discovery',
    title: 'jwks_uri file:///etc/passwd',
    defends: 'digest §6 (https only)',
    build: refusedJwks('file:///etc/passwd'),
    expect: unavailable(),
  },
  {
    id: 'jwks-uri-userinfo',
    area: 'discovery',
    title: 'jwks_uri with credentials https://user:pass@agents.example/',
    defends: 'digest §6 egress admission',
    build: refusedJwks('https://user:pass@agents.example/jwks.json'),
    expect: unavailable(),
  },
  {
    id: 'issuer-ip-literal-link-local',
    area: 'discovery',
    title: 'issuer https://169.254.169.254 (trust any): its metadata is never fetched',
    defends: 'digest §6 egress admission before every metadata fetch',
    build: async (fx) => ({
      ...(await fromIssuer('https://169.254.169.254', { trustAny: true })(fx)),
      fetched: [],
    }),
    expect: unavailable(),
  },
  {
    id: 'metadata-redirect',
    area: 'discovery',
    title: 'issuer metadata answers 302 to the attacker',
    defends: 'digest §6 (no cross-host redirects), §20 A36; SK§7.3',
    build: async (fx) => ({
      ...(await apMetadataAnswer(() => ({
        status: 302,
        headers: { location: 'https://evil.example/.well-known/aauth-agent.json' },
      }))(fx)),
      neverFetchHosts: ['evil.example'],
    }),
    expect: unavailable(),
  },
  {
    id: 'jwks-redirect',
    area: 'discovery',
    title: 'JWKS answers 301 to the attacker',
    defends: 'digest §6, §20 A36',
    build: tokenAttack('agent', () => ({}), {
      fetch: () => ({
        [`${AP}/jwks/aauth-agent.json`]: {
          status: 301,
          headers: { location: 'https://evil.example/jwks.json' },
        },
      }),
      neverFetchHosts: ['evil.example'],
      followUp: 'person',
    }),
    expect: unavailable(),
  },
  {
    id: 'metadata-slow-aborted',
    area: 'discovery',
    title: 'metadata fetch that never answers (honours abort): answer within fetchTimeoutMs',
    defends: 'digest §6 (timeout limits), §20 A13',
    build: apMetadataAnswer(() => hangUntilAborted, { fetchTimeoutMs: 200 }, 1000),
    expect: unavailable(),
  },
  {
    id: 'metadata-slow-ignores-abort',
    area: 'discovery',
    title: 'metadata fetch that never settles and ignores its signal',
    defends: 'digest §6 (timeout limits hold against any fetch)',
    build: apMetadataAnswer(() => hangForever, { fetchTimeoutMs: 200 }, 1000),
    expect: unavailable(),
  },
  {
    id: 'jwks-slow-ignores-abort',
    area: 'discovery',
    title: 'JWKS fetch that never settles and ignores its signal',
    defends: 'digest §6 (timeout limits)',
    build: tokenAttack('agent', () => ({}), {
      fetch: () => ({ [`${AP}/jwks/aauth-agent.json`]: hangForever }),
      options: { fetchTimeoutMs: 200 },
      followUp: 'person',
      withinMs: 1000,
    }),
    expect: unavailable(),
  },
  {
    id: 'metadata-stalled-body',
    area: 'discovery',
    title: 'metadata headers arrive, the body stalls forever',
    defends: 'digest §6 (timeout limits)',
    build: apMetadataAnswer(
      () => async () =>
        new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(utf8('{"issuer":'));
            },
          }),
          { status: 200 },
        ),
      { fetchTimeoutMs: 200 },
      1000,
    ),
    expect: unavailable(),
  },
  {
    id: 'metadata-declared-too-large',
    area: 'discovery',
    title: 'metadata with a Content-Length above maxDocumentBytes',
    defends: 'digest §6 (response-size limits); SK§7.3',
    build: apMetadataAnswer(
      () => {
        const body = JSON.stringify({
          issuer: AP,
          jwks_uri: `${AP}/jwks/aauth-agent.json`,
          pad: 'x'.repeat(10_000),
        });
        return { body, headers: { 'content-length': String(body.length) } };
      },
      { maxDocumentBytes: 4096 },
    ),
    expect: unavailable(),
  },
  {
    id: 'jwks-streamed-too-large',
    area: 'discovery',
    title: 'a valid JWKS streamed past 256 KiB without Content-Length',
    defends: 'digest §6 (response-size limits); SK§7.3',
    build: tokenAttack('agent', () => ({}), {
      fetch: (fx) => ({
        [`${AP}/jwks/aauth-agent.json`]: async () => {
          const text = JSON.stringify({ keys: [apPub(fx)], pad: 'x'.repeat(300_000) });
          let offset = 0;
          return new Response(
            new ReadableStream({
              pull(c) {
                if (offset >= text.length) return c.close();
                c.enqueue(utf8(text.slice(offset, offset + 65_536)));
                offset += 65_536;
              },
            }),
            { status: 200 },
          );
        },
      }),
      followUp: 'person',
    }),
    expect: unavailable(),
  },
  {
    id: 'metadata-not-json',
    area: 'discovery',
    title: 'metadata is not JSON',
    defends: 'digest §6; P§13.3 (untrusted input)',
    build: apMetadataAnswer(() => ({ body: '<html>hello</html>' })),
    expect: unavailable(),
  },
  {
    id: 'metadata-json-array',
    area: 'discovery',
    title: 'metadata is a JSON array',
    defends: 'digest §6; P§13.3',
    build: apMetadataAnswer(() => ({ body: '[{"issuer":"https://agents.example"}]' })),
    expect: unavailable(),
  },
  {
    id: 'jwks-server-error',
    area: 'discovery',
    title: 'JWKS answers 500',
    defends: 'digest §20 A13 (503 + Retry-After)',
    build: tokenAttack('agent', () => ({}), {
      fetch: () => ({ [`${AP}/jwks/aauth-agent.json`]: { status: 500, body: 'oops' } }),
      followUp: 'person',
    }),
    expect: unavailable(),
  },
  {
    id: 'unknown-kid',
    area: 'discovery',
    title: 'JWT kid absent from the JWKS',
    defends: 'digest §5.4 (unknown_key); P§11.4',
    build: tokenAttack('agent', () => ({ header: { kid: 'no-such-key' } })),
    expect: sigError('unknown_key'),
  },
  {
    id: 'kid-missing',
    area: 'discovery',
    title: 'JWT without kid',
    defends: 'digest §6 step 1 (kid present)',
    build: tokenAttack('agent', () => ({ header: { kid: undefined } }), { fetched: () => [] }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'kid-proto',
    area: 'discovery',
    title: 'JWT kid __proto__',
    defends: 'digest §6 step 3 (select by kid only); P§13.3',
    build: tokenAttack('agent', () => ({ header: { kid: '__proto__' } })),
    expect: sigError('unknown_key'),
  },
  {
    id: 'jwks-flooded-kid-beyond-cap',
    area: 'discovery',
    title: 'JWKS with 200 keys, the wanted kid far down the list',
    defends: 'digest §6 (MUST bound cache size: callers are unauthenticated)',
    build: tokenAttack('agent', () => ({}), {
      fetch: apKeys((fx) => [
        ...Array.from({ length: 199 }, (_, i) => ({ ...apPub(fx), kid: `filler-${i}` })),
        apPub(fx),
      ]),
      followUp: 'person',
    }),
    expect: sigError('unknown_key'),
  },
  {
    id: 'metadata-without-jwks-uri',
    area: 'discovery',
    title: 'metadata without jwks_uri',
    defends: 'digest §3 (jwks_uri present), §6 step 2',
    build: tokenAttack('agent', () => ({}), {
      fetch: apMetadata(() => ({ issuer: AP })),
      fetched: () => [AP_META],
      followUp: 'person',
    }),
    expect: sigError('invalid_jwt'),
  },

  // ---------------------------------------------------------------- token time
  {
    id: 'token-expired',
    area: 'token-time',
    title: 'agent token exp one second ago',
    defends: 'digest §4.3, §5.4 (expired_jwt, no tolerance); P§11.5.2',
    build: tokenAttack('agent', () => ({ claims: { exp: NOW - 1 } }), { fetched: () => [] }),
    expect: sigError('expired_jwt'),
  },
  {
    id: 'token-exp-equals-now',
    area: 'token-time',
    title: 'agent token exp = now',
    defends: 'digest §4.3 (no tolerance)',
    build: tokenAttack('agent', () => ({ claims: { exp: NOW } })),
    expect: sigError('expired_jwt'),
  },
  {
    id: 'token-iat-far-future',
    area: 'token-time',
    title: 'agent token iat one hour ahead (not yet valid)',
    defends: 'digest §4.3 (future iat → clock_skew, bound = window); P§11.5.2',
    build: tokenAttack('agent', () => ({ claims: { iat: NOW + 3600, exp: NOW + 7200 } }), {
      fetched: () => [],
    }),
    expect: { ...sigError('clock_skew'), headers: { 'signature-error': /^error=clock_skew$/ } },
  },
  {
    id: 'token-iat-far-future-date-header',
    area: 'token-time',
    title: 'clock_skew for a future iat carries a Date header',
    defends: 'digest §5.4 (clock_skew: Date lets the client wait), §20 A43',
    build: tokenAttack('agent', () => ({ claims: { iat: NOW + 3600, exp: NOW + 7200 } })),
    expect: sigError('clock_skew'),
  },
  {
    id: 'token-nbf-future',
    area: 'token-time',
    title: 'agent token nbf one hour ahead',
    defends: 'RFC 7519 §4.1.5 (MUST NOT be accepted before nbf)',
    build: tokenAttack('agent', () => ({ claims: { nbf: NOW + 3600 } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'person-token-lifetime-2h',
    area: 'token-time',
    title: 'person token exp − iat = 2 h',
    defends: 'digest §4.3, §7.4 (≤ 1 h); P§11.5.2',
    build: tokenAttack('person', () => ({ claims: { iat: NOW - 60, exp: NOW - 60 + 7200 } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'auth-token-lifetime-1h-plus-1s',
    area: 'token-time',
    title: 'auth token exp − iat = 3601 s',
    defends: 'digest §4.3, §7.6 (≤ 1 h); P§11.5.2',
    build: tokenAttack('auth', () => ({ claims: { iat: NOW - 60, exp: NOW - 60 + 3601 } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'token-exp-missing',
    area: 'token-time',
    title: 'agent token without exp',
    defends: 'digest §7.1 (exp REQUIRED)',
    build: tokenAttack('agent', () => ({ claims: { exp: undefined } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'token-iat-missing',
    area: 'token-time',
    title: 'agent token without iat',
    defends: 'digest §4.3 (iat REQUIRED); P§11.5.2',
    build: tokenAttack('agent', () => ({ claims: { iat: undefined } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'token-exp-string',
    area: 'token-time',
    title: 'agent token exp as a string',
    defends: 'RFC 7519 §4.1.4 (NumericDate)',
    build: tokenAttack('agent', () => ({ claims: { exp: String(NOW + 3600) } })),
    expect: sigError('invalid_jwt'),
  },

  // ---------------------------------------------------------------- signature parameters
  {
    id: 'created-stale',
    area: 'signature-params',
    title: 'created 61 s old',
    defends: 'digest §4.3 (older → invalid_signature); P§11.3.4 step 3',
    build: signed(postWith({ created: NOW - 61 })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'created-future',
    area: 'signature-params',
    title: 'created 61 s ahead',
    defends: 'digest §4.3 (ahead → clock_skew + Date), §20 A43',
    build: signed(postWith({ created: NOW + 61 })),
    expect: sigError('clock_skew'),
  },
  {
    id: 'created-far-future',
    area: 'signature-params',
    title: 'created = 999999999999999',
    defends: 'digest §4.3',
    build: signed(postWith({ params: ';created=999999999999999' })),
    expect: sigError('clock_skew'),
  },
  {
    id: 'created-negative',
    area: 'signature-params',
    title: 'created = -1',
    defends: 'digest §4.3',
    build: signed(postWith({ params: ';created=-1' })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'expires-past',
    area: 'signature-params',
    title: 'expires one second ago',
    defends: 'digest §4.3, §20 A7; P§11.3.4.2',
    build: signed(postWith({ params: `;created=${NOW - 10};expires=${NOW - 1}` })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'created-decimal',
    area: 'signature-params',
    title: 'created as a Decimal',
    defends: 'digest §4.3 (created MUST be an Integer); P§11.3.3.2',
    build: signed(postWith({ params: `;created=${NOW}.0` })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'created-missing',
    area: 'signature-params',
    title: 'no created',
    defends: 'digest §4.3; P§11.3.3.2',
    build: signed(postWith({ params: `;expires=${NOW + 30}` })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'created-string',
    area: 'signature-params',
    title: 'created as a String',
    defends: 'digest §4.3',
    build: signed(postWith({ params: `;created="${NOW}"` })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'nonce-mentioning-decimal-created',
    area: 'signature-params',
    title: 'control: a signed nonce whose text contains ";created=1.5" is accepted',
    defends: 'P§11.3.3.2 (nonce is opaque and ignored); RFC 9651 (string contents are data)',
    build: signed(postWith({ params: `;created=${NOW};nonce="x;created=1.5"` })),
    expect: accepted(),
  },
  {
    id: 'created-boolean',
    area: 'signature-params',
    title: 'created as a bare Boolean',
    defends: 'digest §4.3',
    build: signed(postWith({ params: ';created' })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'expires-decimal',
    area: 'signature-params',
    title: 'expires as a Decimal',
    defends: 'digest §4.3; RFC 9421 §2.3',
    build: signed(postWith({ params: `;created=${NOW};expires=${NOW + 30}.5` })),
    expect: sigError('invalid_signature'),
  },

  // ---------------------------------------------------------------- required coverage
  ...(['@method', '@authority', '@path', 'signature-key'] as const).map(
    (missing): AttackCase => ({
      id: `uncovered-${missing.replace('@', '')}`,
      area: 'coverage',
      title: `${missing} not covered`,
      defends: 'digest §4.2 (invalid_input + required_input); P§11.3.3.1, §11.3.4 step 2',
      build: signed(postWith({ components: POST_COMPONENTS.filter((c) => c !== missing) })),
      expect: sigError('invalid_input', {
        headers: {
          'signature-error':
            /^error=invalid_input, required_input=\("@method" "@authority" "@path" "signature-key"\)$/,
        },
      }),
    }),
  ),
  {
    id: 'route-digest-uncovered',
    area: 'coverage',
    title: 'route requires content-digest, the signature leaves the body uncovered',
    defends: 'digest §4.2, §4.6 (servers MAY require more, invalid_input + required_input)',
    build: signed(postWith({ components: [...MANDATED], digest: false }), {
      requirement: { components: ['content-type', 'content-digest'] },
    }),
    expect: sigError('invalid_input', {
      headers: {
        'signature-error':
          /^error=invalid_input, required_input=\("@method" "@authority" "@path" "signature-key" "content-type" "content-digest"\)$/,
      },
    }),
  },
  {
    id: 'authorization-aauth-uncovered',
    area: 'coverage',
    title: 'Authorization: AAuth sent but not covered',
    defends: 'digest §4.2 (authorization covered when sent); P§6.3',
    build: signed(
      postWith({
        headers: [...(POST.headers ?? []), ['authorization', 'AAuth c2Vzc2lvbi10b2tlbg']],
      }),
    ),
    expect: sigError('invalid_input', { headers: { 'signature-error': /"authorization"/ } }),
  },
  {
    id: 'signature-key-covered-as-member-only',
    area: 'coverage',
    title: 'signature-key covered only as ;key="sig"',
    defends: 'digest §4.2 (signature-key REQUIRED); SK§3 (every signature covers signature-key)',
    build: async (fx) => {
      const token = await fx.token('agent');
      const id = '"signature-key";key="sig"';
      return await signed(() => ({
        ...POST,
        token,
        components: [...POST_COMPONENTS.slice(0, -1), id],
        values: { [id]: `jwt;jwt="${token}"` },
      }))(fx);
    },
    expect: sigError('invalid_input'),
  },

  // ---------------------------------------------------------------- duplicates
  {
    id: 'two-complete-jwt-signatures',
    area: 'duplicates',
    title: 'two labels, each with a complete jwt signature',
    defends: 'digest §20 A14 (several candidates → invalid_signature); SK§3.1',
    build: async (fx) => {
      const [t1, t2] = [await fx.token('agent'), await fx.token('agent')];
      const key = `sig1=jwt;jwt="${t1}", sig2=jwt;jwt="${t2}"`;
      const s1 = await fx.sign({ ...POST, label: 'sig1', signatureKey: key });
      const s2 = await fx.sign({ ...POST, label: 'sig2', signatureKey: key });
      let r = addHeader(s1.request, 'signature-input', s2.signatureInput);
      r = addHeader(r, 'signature', headerValue(s2.request, 'signature'));
      return { request: r, followUp: (await genuine(fx)).request };
    },
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-key-duplicate-label-appended',
    area: 'duplicates',
    title: 'a second Signature-Key member with the same label appended (last wins)',
    defends: 'SK§3.1; RFC 9651 §4.2.2 (duplicates: last wins); RFC 9421 §2.5',
    build: tamper(async (s, fx) =>
      addHeader(s.request, 'signature-key', `sig=jwt;jwt="${await fx.token('agent')}"`),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-input-conflicting-line-appended',
    area: 'duplicates',
    title: 'a second, conflicting Signature-Input line for the same label',
    defends: 'RFC 9651 §4.2.2; RFC 9421 §2.5',
    build: tamper((s) =>
      addHeader(
        s.request,
        'signature-input',
        `sig=("@method" "@authority" "@path" "signature-key");created=${NOW}`,
      ),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-conflicting-line-appended',
    area: 'duplicates',
    title: 'a second Signature line for the same label with other bytes',
    defends: 'RFC 9651 §4.2.2; P§11.3.4 step 7',
    build: tamper((s) => addHeader(s.request, 'signature', `sig=:${b64(new Uint8Array(64))}:`)),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'component-covered-twice',
    area: 'duplicates',
    title: '@path listed twice in the covered components',
    defends: 'digest §4.2 (listed twice invalidates); RFC 9421 §2.5',
    build: signed(
      postWith({
        components: [
          '@method',
          '@authority',
          '@path',
          '@path',
          'content-type',
          'content-digest',
          'signature-key',
        ],
      }),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'unselected-input-member-decimal-created',
    area: 'duplicates',
    title: 'control: an unselected Signature-Input member with a Decimal created is ignored',
    defends: 'SK§3.1 (the verifier chooses the labels it verifies); digest §20 A14',
    build: signed(postWith({ formatInput: (m, l) => `${l}=${m}, other=("@method");created=1.5` })),
    expect: accepted(),
  },
  {
    id: 'label-mismatch',
    area: 'duplicates',
    title: 'Signature under another label than Signature-Input and Signature-Key',
    defends: 'digest §20 A14 (no label in all three → invalid_signature)',
    build: tamper((s) => setHeader(s.request, 'signature', `sig2=:${s.signature}:`)),
    expect: sigError('invalid_signature'),
  },

  // ---------------------------------------------------------------- tampering
  {
    id: 'authority-not-accepted',
    area: 'tampering',
    title: 'request delivered to an authority the resource does not answer for',
    defends: 'digest §18 item 3 (accepted @authority values), §1.5 of STYLE (never guessed)',
    build: tamper(
      (s) => ({ ...s.request, authority: 'evil.example' }),
      () => POST,
      {
        inProcessOnly: true,
      },
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'authority-default-port',
    area: 'tampering',
    title: 'control: the adapter passes the authority with the default port (:443)',
    defends: 'RFC 9421 §2.2.3 (default port removed); digest §4.2',
    build: signed(postWith({ requestAuthority: `${AUTHORITY}:443` }), { inProcessOnly: true }),
    expect: accepted(),
  },
  {
    id: 'authority-swapped',
    area: 'tampering',
    title: 'signed for one accepted authority, delivered to the other',
    defends: 'RFC 9421 §2.2.3; P§11.3.4 step 7',
    build: tamper(
      (s) => ({ ...s.request, authority: AUTHORITY }),
      () => ({ ...POST, authority: ALT_AUTHORITY, requestAuthority: ALT_AUTHORITY }),
      { inProcessOnly: true },
    ),
    expect: sigError('invalid_signature'),
  },
  ...(
    [
      ['path-tampered', '/admin', 'another path'],
      ['path-case', '/Notes', 'path case changed'],
      ['path-percent-encoded', '/%6Eotes', 'a letter percent-encoded'],
      ['path-dot-segment', '/x/../notes', 'a dot segment added'],
      ['path-trailing-slash', '/notes/', 'a trailing slash added'],
    ] as const
  ).map(
    ([id, target, what]): AttackCase => ({
      id,
      area: 'tampering',
      title: `@path tampered: ${what}`,
      defends: 'digest §4.2 (@path not percent-decoded, not normalised); RFC 9421 §2.2.6',
      build: tamper((s) => ({ ...s.request, target })),
      expect: sigError('invalid_signature'),
    }),
  ),
  {
    id: 'query-tampered',
    area: 'tampering',
    title: '@query covered, query value changed',
    defends: 'RFC 9421 §2.2.7; P§11.3.4 step 7',
    build: tamper(
      (s) => ({ ...s.request, target: '/notes?id=2' }),
      postWith({ target: '/notes?id=1', components: [...POST_COMPONENTS, '@query'] }),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'query-added',
    area: 'tampering',
    title: '@query covered as empty, a query added',
    defends: 'RFC 9421 §2.2.7 (no query → "?")',
    build: tamper(
      (s) => ({ ...s.request, target: '/notes?admin=1' }),
      postWith({ components: [...POST_COMPONENTS, '@query'] }),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'method-tampered',
    area: 'tampering',
    title: 'POST replayed as DELETE',
    defends: 'RFC 9421 §2.2.1; P§11.3.3.1',
    build: tamper((s) => ({ ...s.request, method: 'DELETE' })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'method-case',
    area: 'tampering',
    title: 'method sent as "post"',
    defends: 'RFC 9421 §2.2.1 (no case change)',
    build: tamper((s) => ({ ...s.request, method: 'post' })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'covered-header-tampered',
    area: 'tampering',
    title: 'covered content-type changed',
    defends: 'RFC 9421 §2.1; P§11.3.4 step 7',
    build: tamper((s) => setHeader(s.request, 'content-type', 'text/plain')),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'covered-header-removed',
    area: 'tampering',
    title: 'covered content-type removed',
    defends: 'digest §4.2 (a covered component absent invalidates); RFC 9421 §2.5',
    build: tamper((s) => setHeader(s.request, 'content-type', undefined)),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'covered-header-extra-line',
    area: 'tampering',
    title: 'a second content-type line added to a covered field',
    defends: 'RFC 9421 §2.1 (lines joined with ", ")',
    build: tamper((s) => addHeader(s.request, 'content-type', 'text/html')),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'covered-header-line-break',
    area: 'tampering',
    title: 'a covered value carrying a line feed that would forge a base line',
    defends: 'RFC 9421 §2.1, §2.5',
    build: tamper(
      (s) => setHeader(s.request, 'x-note', 'a\n"@path": /admin'),
      postWith({
        headers: [...(POST.headers ?? []), ['x-note', 'a']],
        components: [...POST_COMPONENTS, 'x-note'],
      }),
      { inProcessOnly: true },
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-key-swapped',
    area: 'tampering',
    title: 'Signature-Key replaced by another valid token bound to the same key',
    defends: 'digest §4.1 (signature-key covered); SK§3',
    build: tamper(async (s, fx) =>
      setHeader(s.request, 'signature-key', `sig=jwt;jwt="${await fx.token('agent')}"`),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'optional-route-tampered',
    area: 'tampering',
    title: 'a tampered signed request on an optional route is still refused',
    defends: 'digest §2.1 step 1 (signed requests are verified); STYLE §1.4',
    build: tamper(
      (s) => ({ ...s.request, target: '/admin' }),
      () => POST,
      {
        requirement: { optional: true },
      },
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-bit-flipped',
    area: 'tampering',
    title: 'one bit of the HTTP signature flipped',
    defends: 'P§11.3.4 step 7',
    build: tamper((s) =>
      setHeader(s.request, 'signature', `sig=:${b64(flipBit(fromB64(s.signature), 17))}:`),
    ),
    expect: sigError('invalid_signature'),
  },

  // ---------------------------------------------------------------- content digest
  {
    id: 'body-tampered-digest-kept',
    area: 'content-digest',
    title: 'body changed, Content-Digest left as signed',
    defends: 'digest §4.6 (recompute over received bytes), §20 A9; RFC 9421 §7.2.8',
    build: tamper((s) => ({ ...s.request, body: utf8('{"title":"evil"}') })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'body-and-digest-replaced',
    area: 'content-digest',
    title: 'body and Content-Digest both replaced',
    defends: 'digest §4.6; P§11.3.4 step 7',
    build: tamper(async (s) => {
      const body = utf8('{"title":"evil"}');
      return { ...setHeader(s.request, 'content-digest', await digestOf(body)), body };
    }),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'digest-md5-only',
    area: 'content-digest',
    title: 'Content-Digest with md5 only (deprecated)',
    defends: 'digest §4.6 (never md5), §20 A9',
    build: signed(postWith({ digest: md5Digest(String(POST.body)) })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'digest-of-empty-body-with-content',
    area: 'content-digest',
    title: 'Content-Digest of the empty body on a request that has content',
    defends: 'digest §4.6',
    build: async (fx) => signed(postWith({ digest: await digestOf(new Uint8Array(0)) }))(fx),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'digest-valid-sha256-wrong-sha512',
    area: 'content-digest',
    title: 'a matching sha-256 entry next to a wrong sha-512 entry',
    defends: 'digest §4.6 (verify every supported entry)',
    build: async (fx) => {
      const good = await digestOf(utf8(String(POST.body)));
      return signed(postWith({ digest: `${good}, sha-512=:${b64(new Uint8Array(64))}:` }))(fx);
    },
    expect: sigError('invalid_signature'),
  },
  {
    id: 'digest-malformed',
    area: 'content-digest',
    title: 'Content-Digest value is not a Byte Sequence',
    defends: 'digest §4.6; RFC 9530 §2',
    build: signed(postWith({ digest: 'sha-256=abc' })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'digest-covered-header-absent',
    area: 'content-digest',
    title: 'content-digest covered but the header is removed',
    defends: 'digest §4.2 (covered component absent)',
    build: tamper((s) => setHeader(s.request, 'content-digest', undefined)),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'digest-no-raw-body',
    area: 'content-digest',
    title: 'content-digest covered but the adapter has no raw body',
    defends: 'STYLE §1.4 (never re-serialise, fail clearly); digest §4.6',
    build: tamper(
      (s) => ({ ...s.request, body: undefined }),
      () => POST,
      {
        inProcessOnly: true,
      },
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'digest-empty-body-accepted',
    area: 'content-digest',
    title: 'control: a POST with an empty body and the digest of empty content is accepted',
    defends: 'digest §20 A27 (accept empty-content digests)',
    build: signed(postWith({ body: '' })),
    expect: accepted(),
  },

  // ---------------------------------------------------------------- replay
  {
    id: 'replay-post-default',
    area: 'replay',
    title: 'the same signed POST twice, default replayMethods',
    defends: 'digest §4.4, §20 A8; P§11.3.4.2',
    build: replay(
      (s) => s.request,
      (fx) => genuine(fx),
      { replayMethods: undefined },
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'replay-get-all-methods',
    area: 'replay',
    title: "the same signed GET twice with replayMethods: 'all'",
    defends: 'digest §4.4',
    build: replay(
      (s) => s.request,
      (fx) => genuine(fx, 'agent', {}),
      { replayMethods: 'all' },
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'replay-get-default-allowed',
    area: 'replay',
    title:
      'documented: a replayed GET is accepted by default (safe methods are not replay-checked; ' +
      'Ed25519 makes identical GETs in one second identical)',
    defends: 'digest §4.4 (on by default for POST/PUT/PATCH/DELETE); AAuthOptions.replayMethods',
    build: replay(
      (s) => s.request,
      (fx) => genuine(fx, 'agent', {}),
      { replayMethods: undefined },
    ),
    expect: accepted(),
  },
  {
    id: 'replay-extra-uncovered-header',
    area: 'replay',
    title: 'a replayed POST with an extra uncovered header',
    defends: 'digest §4.4 (the signature, not the message bytes, is the replay key)',
    build: replay(
      (s) => addHeader(s.request, 'x-request-id', 'second-try'),
      (fx) => genuine(fx),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'replay-signature-reserialised',
    area: 'replay',
    title: 'a replayed POST whose Signature member carries an extra parameter and OWS',
    defends: 'digest §4.4; RFC 9651 (same Byte Sequence)',
    build: replay(
      (s) => setHeader(s.request, 'signature', `  sig=:${s.signature}:;x=1  `),
      (fx) => genuine(fx),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'replay-es256-exact',
    area: 'replay',
    title: 'an ES256-signed POST replayed byte for byte',
    defends: 'digest §4.4',
    build: replay(
      (s) => s.request,
      async (fx) =>
        fx.sign({
          ...POST,
          key: fx.keys.agentEs256,
          token: await fx.token('agent', { cnf: fx.keys.agentEs256 }),
        }),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'replay-es256-malleated',
    area: 'replay',
    title: 'an ES256-signed POST replayed with (r, n − s), the other valid signature',
    defends: 'digest §4.4 (replay cache keyed on what was signed, P§11.3.4.2)',
    build: replay(
      (s) => setHeader(s.request, 'signature', `sig=:${b64(malleateEs256(fromB64(s.signature)))}:`),
      async (fx) =>
        fx.sign({
          ...POST,
          key: fx.keys.agentEs256,
          token: await fx.token('agent', { cnf: fx.keys.agentEs256 }),
        }),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'replay-ed25519-s-plus-l',
    area: 'replay',
    title: 'an Ed25519-signed POST replayed with S + L (non-canonical S)',
    defends: 'digest §4.4; RFC 8032 §5.1.7 (S < L)',
    build: replay(
      (s) =>
        setHeader(s.request, 'signature', `sig=:${b64(malleateEd25519(fromB64(s.signature)))}:`),
      (fx) => genuine(fx),
    ),
    expect: sigError('invalid_signature'),
  },

  // ---------------------------------------------------------------- authorization ladder
  {
    id: 'person-token-on-auth-route',
    area: 'authorization',
    title: 'person token where an auth token is required → resource-token challenge, never 200',
    defends: 'digest §18 item 21, §7.4; P§7.1.4, §6.7',
    build: async (fx) => ({
      request: (await genuine(fx, 'person')).request,
      requirement: AUTH_ROUTE,
      followUp: (await genuine(fx, 'auth')).request,
    }),
    expect: challenge('auth-token'),
  },
  {
    id: 'agent-token-on-auth-route',
    area: 'authorization',
    title: 'agent token on an auth route',
    defends: 'digest §2.1 matrix (401 person-token); P§6.7',
    build: async (fx) => ({
      request: (await genuine(fx)).request,
      requirement: AUTH_ROUTE,
      followUp: (await genuine(fx, 'auth')).request,
    }),
    expect: challenge('person-token'),
  },
  {
    id: 'agent-token-on-person-route',
    area: 'authorization',
    title: 'agent token on a person route',
    defends: 'digest §2.1 matrix; P§6.4',
    build: async (fx) => ({
      request: (await genuine(fx)).request,
      requirement: 'person',
      followUp: (await genuine(fx, 'person')).request,
    }),
    expect: challenge('person-token'),
  },
  ...(
    [
      ['scope-escalation', 'notes:read', 'auth token with notes:read on a notes:write route'],
      ['scope-case', 'NOTES:WRITE', 'scope in another case (scopes are case-sensitive)'],
      ['scope-tab-separated', 'notes:read\tnotes:write', 'scopes separated by a tab'],
      [
        'scope-prefix',
        'notes:writer notes:write-all',
        'scopes that merely start with the needed one',
      ],
    ] as const
  ).map(
    ([id, scope, title]): AttackCase => ({
      id,
      area: 'authorization',
      title: `${title} → step-up, not 200`,
      defends: 'digest §12 (space-separated, case-sensitive), §18 item 23; P§11.10',
      build: async (fx) => ({
        request: (
          await genuine(fx, 'auth', {
            ...POST,
            token: await fx.token('auth', { claims: { scope } }),
          })
        ).request,
        requirement: AUTH_ROUTE,
        followUp: (await genuine(fx, 'auth')).request,
      }),
      expect: challenge('auth-token'),
    }),
  ),
  {
    id: 'person-token-carrying-scope',
    area: 'authorization',
    title: 'a person token carrying scope notes:write on a notes:write route → challenge',
    defends: 'digest §20 A24 (never read scope from a person token); P§7.1.4',
    build: async (fx) => ({
      request: (
        await genuine(fx, 'person', {
          ...POST,
          token: await fx.token('person', { claims: { scope: 'notes:write' } }),
        })
      ).request,
      requirement: AUTH_ROUTE,
      followUp: (await genuine(fx, 'auth')).request,
    }),
    expect: challenge('auth-token'),
  },
  {
    id: 'scope-array',
    area: 'authorization',
    title: 'auth token scope as a JSON array',
    defends: 'digest §12 (scope is a space-separated string, RFC 9068 §2.2.3)',
    build: tokenAttack('auth', () => ({ claims: { scope: ['notes:write'] } })),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'revoked-auth-token',
    area: 'authorization',
    title: 'revoked auth token → revoked_jwt + requirement=person-token, never a resource token',
    defends: 'digest §7.7, §18 item 33; P§11.12.5',
    build: revoked('auth', AUTH_ROUTE),
    expect: sigError('revoked_jwt', {
      headers: { 'aauth-requirement': 'requirement=person-token' },
    }),
  },
  {
    id: 'revoked-person-token-on-auth-route',
    area: 'authorization',
    title: 'revoked person token on an auth route gets no resource token',
    defends: 'digest §18 item 34; P§11.12.4',
    build: revoked('person', AUTH_ROUTE),
    expect: sigError('revoked_jwt'),
  },
  {
    id: 'revoked-agent-token',
    area: 'authorization',
    title: 'revoked agent token',
    defends: 'digest §5.4 (revoked_jwt)',
    build: revoked('agent', undefined),
    expect: sigError('revoked_jwt'),
  },
  {
    id: 'policy-deny',
    area: 'authorization',
    title: 'verified but denied by policy → 403 without signature headers',
    defends: 'digest §5.5, §18 item 31; SK§5.3',
    build: async (fx) => ({
      request: (await genuine(fx)).request,
      requirement: {
        policy: (p) => (p.keyThumbprint === fx.keys.agent.thumbprint ? 'deny' : 'allow'),
      },
      followUp: (
        await fx.sign({
          ...POST,
          key: fx.keys.otherAgent,
          token: await fx.token('agent', { cnf: fx.keys.otherAgent }),
        })
      ).request,
    }),
    expect: denied(),
  },
  {
    id: 'unsigned-auth-route',
    area: 'authorization',
    title: 'unsigned request on an auth route',
    defends: 'digest §2.1 (none → 401 person-token), §20 A3',
    build: async (fx) => ({
      request: {
        method: 'POST',
        target: '/notes',
        headers: [['content-type', 'application/json']],
        body: utf8('{}'),
      },
      requirement: AUTH_ROUTE,
      followUp: (await genuine(fx, 'auth')).request,
    }),
    expect: challenge('person-token'),
  },
  {
    id: 'unsigned-with-session-only',
    area: 'authorization',
    title: 'unsigned request with only Authorization: AAuth (no bearer use)',
    defends: 'digest §14 (session tokens never work as bearer tokens); P§6.3',
    build: async (fx) => ({
      request: {
        method: 'GET',
        target: '/notes',
        headers: [['authorization', 'AAuth c2Vzc2lvbi10b2tlbg']],
      },
      followUp: (await genuine(fx)).request,
    }),
    expect: challenge('agent-token'),
  },
  {
    id: 'partial-headers-key-only',
    area: 'authorization',
    title: 'only Signature-Key present',
    defends: 'digest §18 item 4 (partial set → invalid_signature), §20 A3',
    build: tamper((s) =>
      setHeader(setHeader(s.request, 'signature', undefined), 'signature-input', undefined),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'partial-headers-no-key',
    area: 'authorization',
    title: 'Signature and Signature-Input without Signature-Key',
    defends: 'digest §18 item 4; VECTORS reject-missing-signature-key',
    build: tamper((s) => setHeader(s.request, 'signature-key', undefined)),
    expect: sigError('invalid_signature'),
  },

  // ---------------------------------------------------------------- Signature-Key schemes
  ...(
    [
      [
        'scheme-hwk',
        (fx: AttackFixture) =>
          `sig=hwk;kty="OKP";crv="Ed25519";x="${fx.keys.agent.publicJwk.x}";alg="Ed25519"`,
      ],
      ['scheme-jwks-uri', () => `sig=jwks_uri;id="${AP}";dwk="${DWK.agent}";kid="ap-key-1"`],
      ['scheme-jkt-jwt', () => 'sig=jkt-jwt;jwt="eyJhbGciOiJFZDI1NTE5In0.e30.AAAA"'],
      ['scheme-x509', () => 'sig=x509;x5u="https://evil.example/cert.pem";x5t=:AAAA:'],
      ['scheme-cached', () => 'sig=cached;cid="c1"'],
      ['scheme-unregistered', () => 'sig=magic;key="trust-me"'],
    ] as const
  ).map(
    ([id, key]): AttackCase => ({
      id,
      area: 'scheme',
      title: `Signature-Key scheme ${id.slice(7)} from an agent`,
      defends: 'digest §7.3 (only jwt from agents), §18 item 10; P§11.3.2, §11.3.4 step 4',
      build: async (fx) => ({
        ...(await signed((f) => ({ ...POST, signatureKey: key(f) }))(fx)),
        fetched: [],
      }),
      expect: sigError('unsupported_scheme'),
    }),
  ),
  {
    id: 'scheme-jwt-param-token',
    area: 'scheme',
    title: 'jwt parameter as a Token instead of a String',
    defends: 'SK§3.8 (jwt is an sf-string)',
    build: signed(() => ({ ...POST, signatureKey: 'sig=jwt;jwt=abc' })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'scheme-jwt-param-missing',
    area: 'scheme',
    title: 'jwt scheme without the jwt parameter',
    defends: 'SK§3.8',
    build: signed(() => ({ ...POST, signatureKey: 'sig=jwt' })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'scheme-as-string',
    area: 'scheme',
    title: 'scheme given as a String, not a Token',
    defends: 'SK§3 (scheme is a Token)',
    build: async (fx) => {
      const token = await fx.token('agent');
      return signed(() => ({ ...POST, signatureKey: `sig="jwt";jwt="${token}"` }))(fx);
    },
    expect: sigError('invalid_signature'),
  },

  // ---------------------------------------------------------------- malformed and oversized
  {
    id: 'signature-key-oversized',
    area: 'malformed',
    title: 'Signature-Key above 16 KiB (a signed, unselected padding member)',
    defends: 'digest §17 (bounded input); AAuthOptions.maxHeaderBytes',
    build: signed(() => ({
      ...POST,
      extraSignatureKeyLines: [`pad=hwk;x="${'A'.repeat(17_000)}"`],
    })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-input-oversized',
    area: 'malformed',
    title: 'Signature-Input above 16 KiB (a signed nonce)',
    defends: 'digest §17; AAuthOptions.maxHeaderBytes',
    build: signed(() => ({ ...POST, params: `;created=${NOW};nonce="${'n'.repeat(17_000)}"` })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'jwt-100kb',
    area: 'malformed',
    title: 'a 100 KB JWT (issuer-signed) under the default header cap',
    defends: 'digest §17 (bounded input)',
    build: tokenAttack('agent', () => ({ claims: { pad: 'p'.repeat(100_000) } })),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'jwt-100kb-header-cap-raised',
    area: 'malformed',
    title: 'a 100 KB issuer-signed JWT with maxHeaderBytes raised: the JWT cap still holds',
    defends: 'digest §17 (bounded input, independent caps)',
    build: tokenAttack('agent', () => ({ claims: { pad: 'p'.repeat(100_000) } }), {
      options: { maxHeaderBytes: 200_000 },
      fetched: () => [],
    }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'jwt-deeply-nested-payload',
    area: 'malformed',
    title: 'a forged JWT whose payload nests arrays 3000 deep',
    defends: 'digest §17 (untrusted input); P§13.3',
    build: rawTokenAttack('agent', async (fx) => {
      const payload = JSON.stringify(fx.claims('agent')).replace(/}$/, `,"deep":${nested(3000)}}`);
      return mintJws({ alg: 'Ed25519', typ: 'aa-agent+jwt', kid: fx.keys.evil.kid }, payload, {
        key: fx.keys.evil.privateKey,
      });
    }),
    expect: sigError('invalid_jwt'),
  },
  {
    id: 'signature-key-unterminated-string',
    area: 'malformed',
    title: 'Signature-Key with an unterminated string',
    defends: 'digest §18 item 5 (RFC 9651 parsing)',
    build: tamper((s) => setHeader(s.request, 'signature-key', `sig=jwt;jwt="${s.jwt}`)),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-bad-base64',
    area: 'malformed',
    title: 'Signature byte sequence with characters outside base64',
    defends: 'digest §20 A16 (strict base64)',
    build: tamper((s) => setHeader(s.request, 'signature', 'sig=:!!!!$$$$:')),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-unpadded-base64',
    area: 'malformed',
    title: 'Signature byte sequence without base64 padding',
    defends: 'digest §4.1, §20 A16 (standard base64 with padding)',
    build: tamper((s) =>
      setHeader(s.request, 'signature', `sig=:${s.signature.replace(/=+$/, '')}:`),
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-empty',
    area: 'malformed',
    title: 'empty Signature byte sequence',
    defends: 'digest §4.1',
    build: tamper((s) => setHeader(s.request, 'signature', 'sig=::')),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-member-token',
    area: 'malformed',
    title: 'Signature member is a Token',
    defends: 'RFC 9421 §4.2 (Byte Sequence)',
    build: tamper((s) => setHeader(s.request, 'signature', 'sig=abc')),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-input-not-inner-list',
    area: 'malformed',
    title: 'Signature-Input member is a String, not an Inner List',
    defends: 'RFC 9421 §4.1',
    build: tamper((s) => setHeader(s.request, 'signature-input', `sig="@method";created=${NOW}`)),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-key-inner-list',
    area: 'malformed',
    title: 'Signature-Key member is an Inner List',
    defends: 'SK§3',
    build: tamper((s) => setHeader(s.request, 'signature-key', `sig=(jwt);jwt="${s.jwt}"`)),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-input-non-ascii',
    area: 'malformed',
    title: 'Signature-Input with a non-ASCII component name',
    defends: 'RFC 9651 §4.2 (sf-string is ASCII)',
    build: tamper(
      (s) =>
        setHeader(s.request, 'signature-input', s.signatureInput.replace('@method', '@méthod')),
      () => POST,
      {
        inProcessOnly: true,
      },
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-key-non-ascii-jwt',
    area: 'malformed',
    title: 'Signature-Key jwt string with a non-ASCII character',
    defends: 'RFC 9651 §4.2',
    build: tamper(
      (s) => setHeader(s.request, 'signature-key', `sig=jwt;jwt="${s.jwt}é"`),
      () => POST,
      {
        inProcessOnly: true,
      },
    ),
    expect: sigError('invalid_signature'),
  },
  {
    id: 'signature-input-trailing-comma',
    area: 'malformed',
    title: 'Signature-Input Dictionary with a trailing comma',
    defends: 'RFC 9651 §4.2.2',
    build: tamper((s) => setHeader(s.request, 'signature-input', `${s.signatureInput},`)),
    expect: sigError('invalid_signature'),
  },
  ...(
    [
      [
        'component-uppercase-name',
        '"Content-Type"',
        'application/json',
        'a field name in uppercase',
      ],
      ['component-unknown-parameter', '"@method";foo', 'POST', 'an unknown component parameter'],
      ['component-status', '"@status"', '200', '@status on a request'],
      ['component-signature-params', '"@signature-params"', '()', '@signature-params covered'],
      ['component-unknown-derived', '"@everything"', 'x', 'an unknown derived component'],
    ] as const
  ).map(
    ([id, component, value, what]): AttackCase => ({
      id,
      area: 'malformed',
      title: `covered components include ${what}`,
      defends: 'RFC 9421 §2.1, §2.2, §2.5 (no base can be produced)',
      build: signed(() => ({
        ...POST,
        components: [...POST_COMPONENTS, component],
        values: { [component]: value },
      })),
      expect: sigError('invalid_signature'),
    }),
  ),
  {
    id: 'component-query-param-repeated',
    area: 'malformed',
    title: '@query-param for a name that occurs twice',
    defends: 'digest §20 A37; RFC 9421 §2.2.8',
    build: signed(() => ({
      ...POST,
      target: '/notes?a=1&a=2',
      components: [...POST_COMPONENTS, '"@query-param";name="a"'],
      values: { '"@query-param";name="a"': '1' },
    })),
    expect: sigError('invalid_signature'),
  },
  ...(
    [
      ['jwt-two-segments', 'eyJhbGciOiJFZDI1NTE5In0.e30'],
      ['jwt-four-segments', 'eyJhbGciOiJFZDI1NTE5In0.e30.AAAA.AAAA'],
      ['jwt-padded-segments', 'eyJhbGciOiJFZDI1NTE5In0=.e30=.AAAA'],
      ['jwt-header-not-json', `${b64url('{alg:Ed25519')}.${b64url('{}')}.AAAA`],
      [
        'jwt-payload-array',
        `${b64url('{"alg":"Ed25519","typ":"aa-agent+jwt","kid":"ap-key-1"}')}.${b64url('[1,2]')}.AAAA`,
      ],
    ] as const
  ).map(
    ([id, jwt]): AttackCase => ({
      id,
      area: 'malformed',
      title: `malformed compact JWT (${id.slice(4)})`,
      defends: 'digest §6 step 1 (well-formed JWT); RFC 7515 §7.1',
      build: rawTokenAttack('agent', () => jwt, { fetched: () => [] }),
      expect: sigError('invalid_jwt'),
    }),
  ),
];
