import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryStateStore, type StateStore } from '../../src/index.ts';
import { createR3Store, R3_PATH_PREFIX, r3Uri } from '../../src/r3/r3-store.ts';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');
const AS = 'https://as.files.example';
const PS = 'https://ps.example';

function setup() {
  const clock = { now: 1_790_000_000 };
  const state = createMemoryStateStore({ now: () => clock.now });
  const store = createR3Store(state, { now: () => clock.now });
  return { clock, state, store };
}

const bytes = '{"vocabulary":"urn:aauth:vocabulary:mcp","operations":[{"tool":"read_file"}]}';
const doc = { bytes, s256: sha(bytes), kind: 'class' as const };

describe('createR3Store (R3 §4.3–§4.4, R6, R12)', () => {
  it('keeps bytes by hash and entitles exactly the named servers', async () => {
    const { store, state } = setup();
    await store.put(doc, [AS, PS, AS], 600);
    expect(await store.get(doc.s256)).toEqual(doc);
    expect(await store.isEntitled(doc.s256, AS)).toBe(true);
    expect(await store.isEntitled(doc.s256, PS)).toBe(true);
    expect(await store.isEntitled(doc.s256, 'https://other.example')).toBe(false);
    expect(await store.isEntitled(sha('other'), AS)).toBe(false);
    expect(await store.get(sha('other'))).toBeUndefined();
    expect(JSON.parse((await state.get(`r3:doc:${doc.s256}`)) ?? '{}').bytes).toBe(bytes);
    expect(await state.get(`r3:ent:${doc.s256}:${AS}`)).toBeDefined();
  });

  it('keeps a proposal’s call with it', async () => {
    const { store } = setup();
    const text = '{"parameters":{"file_id":"f_1"}}';
    const proposal = {
      bytes: text,
      s256: sha(text),
      kind: 'proposal' as const,
      proposal: {
        vocabulary: 'urn:aauth:vocabulary:mcp',
        id: 'delete_file',
        parameters: { file_id: 'f_1' },
      },
    };
    await store.put(proposal, [AS], 60);
    expect(await store.get(proposal.s256)).toEqual(proposal);
  });

  it('expires documents and entitlements; a re-put extends, never shortens, and adds entitlements', async () => {
    const { store, clock } = setup();
    await store.put(doc, [AS], 100);
    clock.now += 50;
    await store.put(doc, [PS], 10); // shorter: the document keeps its 100 s
    clock.now += 40;
    expect(await store.get(doc.s256)).toEqual(doc);
    expect(await store.isEntitled(doc.s256, AS)).toBe(true);
    expect(await store.isEntitled(doc.s256, PS)).toBe(false); // its own 10 s are over
    await store.put(doc, [AS], 100); // longer: extended
    clock.now += 50;
    expect(await store.get(doc.s256)).toEqual(doc);
    expect(await store.isEntitled(doc.s256, AS)).toBe(true);
    clock.now += 51;
    expect(await store.get(doc.s256)).toBeUndefined();
    expect(await store.isEntitled(doc.s256, AS)).toBe(false);
  });

  it('never changes stored bytes: a re-put of the same hash keeps the first record', async () => {
    const { store, state } = setup();
    await store.put(doc, [AS], 100);
    const before = JSON.parse((await state.get(`r3:doc:${doc.s256}`)) ?? '{}');
    await store.put({ ...doc, kind: 'proposal' } as never, [AS], 200);
    const after = JSON.parse((await state.get(`r3:doc:${doc.s256}`)) ?? '{}');
    expect(after.bytes).toBe(before.bytes);
    expect(after.kind).toBe('class');
    expect(after.until).toBeGreaterThan(before.until);
  });

  it('does not serve bytes altered in the store, and repairs them on the next put', async () => {
    const { store, state } = setup();
    await store.put(doc, [AS], 100);
    const key = `r3:doc:${doc.s256}`;
    const record = JSON.parse((await state.get(key)) ?? '{}');
    await state.set(key, JSON.stringify({ ...record, bytes: bytes.replace('read', 'wipe') }), 100);
    expect(await store.get(doc.s256)).toBeUndefined();
    await state.set(key, 'not json', 100);
    expect(await store.get(doc.s256)).toBeUndefined();
    await state.set(key, JSON.stringify({ ...record, kind: 'other' }), 100);
    expect(await store.get(doc.s256)).toBeUndefined();
    await state.set(key, JSON.stringify({ ...record, bytes: bytes.replace('read', 'wipe') }), 100);
    await store.put(doc, [AS], 100);
    expect(await store.get(doc.s256)).toEqual(doc);
  });

  it('refuses a hash that is not of the bytes, and other bad input', async () => {
    const { store } = setup();
    await expect(store.put({ ...doc, s256: sha('other') }, [AS], 60)).rejects.toThrow(
      /not the SHA-256 of doc\.bytes/,
    );
    await expect(store.put({ ...doc, bytes: `${bytes} ` }, [AS], 60)).rejects.toThrow(TypeError);
    await expect(store.put({ ...doc, kind: 'other' } as never, [AS], 60)).rejects.toThrow(/kind/);
    await expect(store.put(doc, [AS], 0)).rejects.toThrow(/ttlSeconds/);
    await expect(store.put(doc, [''], 60)).rejects.toThrow(/entitled/);
    await expect(store.put(doc, 'x' as never, 60)).rejects.toThrow(/entitled/);
    await expect(store.put({} as never, [AS], 60)).rejects.toThrow(/doc\.bytes/);
    expect(await store.get('../../x')).toBeUndefined();
    expect(await store.get(5 as never)).toBeUndefined();
    expect(await store.isEntitled('short', AS)).toBe(false);
    expect(() => createR3Store({} as never)).toThrow(TypeError);
  });

  it('settles concurrent puts through add and compareAndSet', async () => {
    const { state, clock } = setup();
    // A store that loses the first compareAndSet, as under a concurrent writer.
    let lost = false;
    const racing: StateStore = {
      ...state,
      async compareAndSet(key, expected, value, ttl) {
        if (!lost) {
          lost = true;
          await state.set(key, JSON.stringify({ ...JSON.parse(expected), until: 0 }), ttl);
          return false;
        }
        return state.compareAndSet(key, expected, value, ttl);
      },
    };
    const store = createR3Store(racing, { now: () => clock.now });
    await store.put(doc, [AS], 10);
    await store.put(doc, [AS], 100);
    clock.now += 50;
    expect(await store.get(doc.s256)).toEqual(doc);
    const stuck: StateStore = { ...state, add: async () => false, get: async () => undefined };
    await expect(createR3Store(stuck).put(doc, [AS], 10)).rejects.toThrow(/could not settle/);
  });

  it('names documents under the resource: r3Uri and R3_PATH_PREFIX', () => {
    expect(R3_PATH_PREFIX).toBe('/aauth/r3/');
    expect(r3Uri('https://files.example', doc.s256)).toBe(
      `https://files.example/aauth/r3/${doc.s256}`,
    );
  });
});
