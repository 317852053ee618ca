// pnpm bench: the cost of core verify() and of minting a resource token, as ratios to the
// cryptography they cannot avoid, measured in one process.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { compactVerify, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { generateDevKey, signRequest } from '../../testing/src/index.ts';
import { createAAuth, loadResourceKey, mintResourceToken } from '../src/index.ts';
import { measure, table } from './measure.ts';

const NOW = 1_790_000_000;
const AP = 'https://agents.example';
const RESOURCE = 'https://resource.example';

const apKey = await generateDevKey('Ed25519', 'ap-1');
const agentKey = await generateDevKey('Ed25519');
const token = await new SignJWT({
  iss: AP,
  dwk: 'aauth-agent.json',
  sub: 'aauth:assistant@agents.example',
  jti: 'bench-1',
  iat: NOW - 10,
  exp: NOW + 3600,
  cnf: { jwk: agentKey.publicJwk },
})
  .setProtectedHeader({ alg: 'Ed25519', typ: 'aa-agent+jwt', kid: apKey.kid })
  .sign(apKey.privateKey);
const docs: Record<string, string> = {
  [`${AP}/.well-known/aauth-agent.json`]: JSON.stringify({ issuer: AP, jwks_uri: `${AP}/jwks` }),
  [`${AP}/jwks`]: JSON.stringify({ keys: [{ ...apKey.publicJwk, kid: apKey.kid }] }),
};
const fetch = async (url: string) =>
  new Response(docs[url] ?? '', {
    status: docs[url] ? 200 : 404,
    headers: { 'cache-control': 'max-age=86400' },
  });
const headers = await signRequest({
  method: 'GET',
  url: `${RESOURCE}/notes`,
  key: agentKey,
  token,
  created: NOW,
});
const request = { method: 'GET', target: '/notes', headers };
const options = {
  resource: RESOURCE,
  trust: { agentProviders: 'any', personServers: 'any' },
  now: () => NOW,
  fetch,
} as const;
const warm = createAAuth(options);
const noTokenCache = createAAuth({ ...options, tokenCacheSize: 0 });
for (const a of [warm, noTokenCache]) {
  const r = await a.verify(request, 'agent');
  if (!r.ok) throw new Error(`bench fixture does not verify: ${r.answer.body}`);
}

// The unavoidable cryptography: Ed25519 over the signature base and over the JWT, with cached keys.
const base = `"@method": GET\n"@authority": resource.example\n"@path": /notes\n"signature-key": ${headers['signature-key']}\n"@signature-params": ${headers['signature-input']?.slice(4)}`;
const baseBytes = Buffer.from(base);
const sigBytes = Buffer.from(/:(.*):/.exec(headers.signature as string)?.[1] as string, 'base64');
const agentPub = createPublicKey({ key: { ...agentKey.publicJwk } as never, format: 'jwk' });
if (!verify(null, baseBytes, agentPub, sigBytes)) throw new Error('reference base does not verify');
const [h, p, s] = token.split('.') as [string, string, string];
const jwtInput = Buffer.from(`${h}.${p}`);
const jwtSig = Buffer.from(s, 'base64url');
const apPub = createPublicKey({ key: { ...apKey.publicJwk } as never, format: 'jwk' });
const apJose = await importJWK({ ...apKey.publicJwk }, 'Ed25519');

// Minting: one resource token against one raw Ed25519 signature.
const { privateKey: rsPriv } = await generateKeyPair('Ed25519', { extractable: true });
const rsJwk = await exportJWK(rsPriv);
const rsKey = await loadResourceKey({ ...rsJwk, kid: 'rs-1' });
const rsNode = createPrivateKey({ key: rsJwk as never, format: 'jwk' });
const mintInput = {
  iss: RESOURCE,
  aud: 'https://ps.example',
  ps: 'https://ps.example',
  sub: 'person-1',
  presentedJti: 'pt-1',
  agentJkt: agentKey.thumbprint,
  scope: ['notes:read'],
  now: NOW,
  lifetime: 300,
};
// The reference signs a signing input of the same length as a minted token's.
const sampleClaims = Buffer.from(
  (await mintResourceToken(rsKey, mintInput)).token.split('.').slice(0, 2).join('.'),
);

const { perOp, ratios } = await measure(
  [
    { name: 'verify() warm', run: () => warm.verify(request, 'agent') },
    { name: 'verify() no token cache', run: () => noTokenCache.verify(request, 'agent') },
    { name: '1× Ed25519 verify (node)', run: () => verify(null, baseBytes, agentPub, sigBytes) },
    {
      name: '2× Ed25519 verify (node)',
      run: () =>
        verify(null, baseBytes, agentPub, sigBytes) && verify(null, jwtInput, apPub, jwtSig),
    },
    {
      name: 'Ed25519 verify (node) + jose compactVerify',
      run: async () =>
        verify(null, baseBytes, agentPub, sigBytes) && (await compactVerify(token, apJose)),
    },
    { name: 'mintResourceToken()', run: () => mintResourceToken(rsKey, mintInput) },
    { name: '1× Ed25519 sign (node)', run: () => sign(null, sampleClaims, rsNode) },
  ],
  [
    ['verify() warm', '2× Ed25519 verify (node)'],
    ['verify() warm', '1× Ed25519 verify (node)'],
    ['verify() no token cache', '2× Ed25519 verify (node)'],
    ['verify() no token cache', 'Ed25519 verify (node) + jose compactVerify'],
    ['mintResourceToken()', '1× Ed25519 sign (node)'],
  ],
);
console.log(
  table(
    'core: verify() of a valid agent-token request (warm issuer keys) and resource-token minting',
    perOp,
    ratios,
    {
      'verify() warm / 2× Ed25519 verify (node)': 1.3,
      'verify() no token cache / 2× Ed25519 verify (node)': 1.3,
      'mintResourceToken() / 1× Ed25519 sign (node)': 1.2,
    },
  ),
);

// Cold, measured apart: a fresh verifier per call (issuer discovery from memory, key imports,
// no caches) allocates enough to disturb the warm cases if interleaved with them.
const cold = await measure(
  [
    { name: 'verify() cold', run: () => createAAuth(options).verify(request, 'agent') },
    {
      name: '2× Ed25519 verify (node)',
      run: () =>
        verify(null, baseBytes, agentPub, sigBytes) && verify(null, jwtInput, apPub, jwtSig),
    },
  ],
  [['verify() cold', '2× Ed25519 verify (node)']],
);
console.log(
  table('core: verify() with cold caches (a fresh verifier per call)', cold.perOp, cold.ratios, {}),
);
