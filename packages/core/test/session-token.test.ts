import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../src/internal/base64.ts';
import { createSessionSealer, type SessionPayload } from '../src/session/session-token.ts';

const SECRET = new Uint8Array(32).map((_, i) => i + 1);
const OTHER = new Uint8Array(32).map((_, i) => 200 - i);
const NOW = 1_800_000_000;

const payload: SessionPayload = {
  jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
  agent: 'aauth:assistant@agent.example',
  agentIssuer: 'https://agent.example',
  user: 'user-42',
  iat: NOW - 10,
  exp: NOW + 3600,
  sid: 'sess_7f3a',
};

const sealer = (secret: Uint8Array | string = SECRET, now = NOW) =>
  createSessionSealer(secret, { now: () => now });

// An independent reading of the token format with node:crypto.
function nodeOpen(token: string, secret: Uint8Array): unknown {
  const bytes = decodeBase64Url(token) as Uint8Array;
  const key = Buffer.from(
    hkdfSync('sha256', secret, new Uint8Array(0), 'aauth-gate session v1', 32),
  );
  const d = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 13));
  d.setAAD(Uint8Array.of(1));
  d.setAuthTag(bytes.subarray(bytes.length - 16));
  const plain = Buffer.concat([d.update(bytes.subarray(13, bytes.length - 16)), d.final()]);
  return JSON.parse(plain.toString('utf8'));
}

function nodeSeal(plain: string, key: Uint8Array, version = 1, aad = Uint8Array.of(1)): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return encodeBase64Url(
    new Uint8Array(Buffer.concat([Uint8Array.of(version), iv, ct, c.getAuthTag()])),
  );
}

const hkdfKey = (secret: Uint8Array) =>
  new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), 'aauth-gate session v1', 32));

describe('createSessionSealer: secrets', () => {
  it('accepts 32+ bytes or their unpadded base64url', async () => {
    const a = sealer(SECRET);
    const b = sealer(encodeBase64Url(SECRET));
    expect(await b.open(await a.seal(payload))).toEqual(payload);
    expect(() => createSessionSealer(new Uint8Array(64))).not.toThrow();
  });

  it.each([
    ['31 bytes', new Uint8Array(31), RangeError],
    ['base64url of 31 bytes', encodeBase64Url(new Uint8Array(31)), RangeError],
    ['padded base64', `${Buffer.from(SECRET).toString('base64')}`, TypeError],
    ['a passphrase', 'correct horse battery staple correct horse', TypeError],
    ['empty string', '', RangeError],
    ['a number', 42, TypeError],
    ['undefined', undefined, TypeError],
  ])('throws at construction for %s', (_label, secret, type) => {
    expect(() => createSessionSealer(secret as Uint8Array)).toThrow(type);
  });

  it('copies the secret: changing the caller buffer afterwards changes nothing', async () => {
    const buf = Uint8Array.from(SECRET);
    const s = sealer(buf);
    const token = await s.seal(payload);
    buf.fill(0);
    expect(await s.open(token)).toEqual(payload);
    expect(await sealer(buf).open(token)).toBeUndefined();
  });
});

describe('seal / open', () => {
  it('round-trips and returns only the known members', async () => {
    const s = sealer();
    const extra = { ...payload, admin: true } as SessionPayload;
    const opened = await s.open(await s.seal(extra));
    expect(opened).toEqual(payload);
    expect(Object.keys(opened as object).sort()).toEqual(Object.keys(payload).sort());
  });

  it('uses a fresh IV every time', async () => {
    const s = sealer();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => s.seal(payload)));
    expect(new Set(tokens).size).toBe(50);
    const ivs = tokens.map((t) =>
      encodeBase64Url((decodeBase64Url(t) as Uint8Array).subarray(1, 13)),
    );
    expect(new Set(ivs).size).toBe(50);
  });

  it('produces a token68 made of base64url characters only', async () => {
    const s = sealer();
    for (let i = 1; i <= 20; i++) {
      const token = await s.seal({ ...payload, user: 'ü€😀<>"\' \n'.repeat(i) });
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('has the documented layout: version 1 ‖ IV ‖ AES-256-GCM(HKDF key) ‖ tag, AAD = version', async () => {
    const token = await sealer().seal(payload);
    const bytes = decodeBase64Url(token) as Uint8Array;
    expect(bytes[0]).toBe(1);
    expect(bytes.length).toBe(1 + 12 + JSON.stringify(payload).length + 16);
    expect(nodeOpen(token, SECRET)).toEqual(payload);
  });

  it('opens a token sealed independently with the documented format', async () => {
    const token = nodeSeal(JSON.stringify(payload), hkdfKey(SECRET));
    expect(await sealer().open(token)).toEqual(payload);
  });

  it('never keys AES with the raw secret', async () => {
    expect(await sealer().open(nodeSeal(JSON.stringify(payload), SECRET))).toBeUndefined();
  });

  it('rejects another version byte even when the ciphertext is authentic for it', async () => {
    const key = hkdfKey(SECRET);
    expect(await sealer().open(nodeSeal(JSON.stringify(payload), key, 2, Uint8Array.of(2)))).toBe(
      undefined,
    );
    // Right version byte, but the AAD was not bound.
    expect(await sealer().open(nodeSeal(JSON.stringify(payload), key, 1, new Uint8Array(0)))).toBe(
      undefined,
    );
  });

  it('refuses a token sealed with another secret', async () => {
    const token = await sealer(OTHER).seal(payload);
    expect(await sealer().open(token)).toBeUndefined();
  });

  it('refuses an expired session (exp <= now) and accepts it until then', async () => {
    const token = await sealer().seal(payload);
    expect(await sealer(SECRET, payload.exp - 1).open(token)).toEqual(payload);
    expect(await sealer(SECRET, payload.exp - 0.001).open(token)).toEqual(payload);
    expect(await sealer(SECRET, payload.exp).open(token)).toBeUndefined();
    expect(await sealer(SECRET, payload.exp + 1).open(token)).toBeUndefined();
  });

  it('uses the wall clock by default', async () => {
    const now = Math.floor(Date.now() / 1000);
    const s = createSessionSealer(SECRET);
    expect(await s.open(await s.seal({ ...payload, iat: now, exp: now + 60 }))).toBeDefined();
    expect(await s.open(await s.seal({ ...payload, iat: now - 120, exp: now - 60 }))).toBe(
      undefined,
    );
  });
});

describe('open: tampering', () => {
  it('refuses a flip of any bit in any byte (version, IV, ciphertext, tag)', async () => {
    const token = await sealer().seal(payload);
    const bytes = decodeBase64Url(token) as Uint8Array;
    const s = sealer();
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const t = Uint8Array.from(bytes);
        t[i] = (t[i] as number) ^ bit;
        expect(await s.open(encodeBase64Url(t)), `byte ${i} bit ${bit}`).toBeUndefined();
      }
    }
  });

  it('refuses truncation and extension', async () => {
    const s = sealer();
    const bytes = decodeBase64Url(await s.seal(payload)) as Uint8Array;
    for (const cut of [0, 1, 12, 13, 28, 29, bytes.length - 16, bytes.length - 1]) {
      expect(await s.open(encodeBase64Url(bytes.subarray(0, cut)))).toBeUndefined();
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(await s.open(encodeBase64Url(longer))).toBeUndefined();
  });

  it('refuses a swapped IV from another token', async () => {
    const s = sealer();
    const a = decodeBase64Url(await s.seal(payload)) as Uint8Array;
    const b = decodeBase64Url(await s.seal(payload)) as Uint8Array;
    a.set(b.subarray(1, 13), 1);
    expect(await s.open(encodeBase64Url(a))).toBeUndefined();
  });

  it('refuses other spellings of a valid token: padding, standard base64, surrounding space', async () => {
    const s = sealer();
    // A sealed length that is not a multiple of 3, so padding would add characters.
    const sizes = [1, 2, 3].map((k) => ({ ...payload, user: 'u'.repeat(k) }));
    const p = sizes.find((q) => (29 + JSON.stringify(q).length) % 3 !== 0) as SessionPayload;
    let token = '';
    // A token with a URL-safe character, so the standard-alphabet spelling differs.
    for (let i = 0; i < 200 && !/[-_]/.test(token); i++) token = await s.seal(p);
    expect(token.length % 4).not.toBe(0);
    expect(token).toMatch(/[-_]/);
    expect(await s.open(`${token}${'='.repeat(4 - (token.length % 4))}`)).toBeUndefined();
    expect(await s.open(token.replaceAll('-', '+').replaceAll('_', '/'))).toBeUndefined();
    expect(await s.open(` ${token}`)).toBeUndefined();
    expect(await s.open(`${token}\n`)).toBeUndefined();
    expect(await s.open(token)).toEqual(p);
  });

  it('refuses authentic ciphertexts whose payload is malformed', async () => {
    const key = hkdfKey(SECRET);
    const s = sealer();
    for (const plain of [
      'not json',
      'null',
      '[]',
      '"x"',
      JSON.stringify({ ...payload, jkt: '' }),
      JSON.stringify({ ...payload, agent: 7 }),
      JSON.stringify({ ...payload, exp: '2000000000' }),
      JSON.stringify({ ...payload, iat: 1.5 }),
      JSON.stringify({ ...payload, iat: payload.exp + 1 }),
      JSON.stringify({ ...payload, sid: undefined }),
    ]) {
      expect(await s.open(nodeSeal(plain, key)), plain).toBeUndefined();
    }
    const invalidUtf8 = Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1');
    expect(await s.open(nodeSeal(invalidUtf8, key))).toBeUndefined();
  });

  it('refuses oversized input without decoding it', async () => {
    const s = sealer();
    expect(await s.open('A'.repeat(4097))).toBeUndefined();
    expect(await s.open('A'.repeat(1_000_000))).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$def'],
    ['padding', 'AAAA='],
    ['impossible length', 'A'],
    ['whitespace', 'AAAA AAAA'],
  ])('refuses %s', async (_label, token) => {
    expect(await sealer().open(token)).toBeUndefined();
  });

  test.prop([fc.oneof(fc.string(), fc.base64String(), fc.anything())])(
    'never rejects, whatever it is given',
    async (v) => {
      await expect(sealer().open(v as string)).resolves.toBeUndefined();
    },
  );
});

describe('seal: programmer errors', () => {
  it.each([
    ['empty jkt', { ...payload, jkt: '' }],
    ['missing agent', { ...payload, agent: undefined }],
    ['numeric user', { ...payload, user: 42 }],
    ['fractional exp', { ...payload, exp: NOW + 0.5 }],
    ['iat after exp', { ...payload, iat: payload.exp + 1 }],
    ['NaN iat', { ...payload, iat: Number.NaN }],
    ['null', null],
  ])('rejects with TypeError for %s', async (_label, p) => {
    await expect(sealer().seal(p as unknown as SessionPayload)).rejects.toThrow(TypeError);
  });

  it('rejects with RangeError when the token would exceed 4096 characters', async () => {
    await expect(sealer().seal({ ...payload, user: 'u'.repeat(3000) })).rejects.toThrow(RangeError);
    // Just below the limit still works and opens.
    const s = sealer();
    const token = await s.seal({ ...payload, user: 'u'.repeat(2700) });
    expect(token.length).toBeLessThanOrEqual(4096);
    expect(await s.open(token)).toBeDefined();
  });
});
