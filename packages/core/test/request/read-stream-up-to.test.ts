import { describe, expect, it } from 'vitest';
import { readStreamUpTo } from '../../src/index.ts';

function streamOf(parts: string[], fail = false): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(ctl) {
      for (const p of parts) ctl.enqueue(enc.encode(p));
      if (fail) ctl.error(new Error('reset'));
      else ctl.close();
    },
  });
}

const text = (s: ReadableStream<Uint8Array>) => new Response(s).text();

describe('readStreamUpTo', () => {
  it('returns the whole body under the limit and replays the same bytes', async () => {
    const { bytes, replay } = await readStreamUpTo(streamOf(['ab', 'cd']), 4);
    expect(new TextDecoder().decode(bytes)).toBe('abcd');
    expect(await text(replay)).toBe('abcd');
  });

  it('gives no bytes past the limit, but replays the full body', async () => {
    const { bytes, replay } = await readStreamUpTo(streamOf(['ab', 'cd', 'ef']), 3);
    expect(bytes).toBeUndefined();
    expect(await text(replay)).toBe('abcdef');
  });

  it('gives no bytes for a failing stream and never throws', async () => {
    const { bytes } = await readStreamUpTo(streamOf(['ab'], true), 10);
    expect(bytes).toBeUndefined();
  });
});
