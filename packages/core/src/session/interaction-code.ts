// Interaction codes (AAuth-11 §11.6.3.1): Crockford base32, read and typed by a person, so
// generation is uniform over the alphabet and input folds the glyphs people confuse.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Symbols in a code: 10 × 5 bits = 50 bits, above the draft's 40-bit floor. */
const SYMBOLS = 10;

// Longer input cannot be a code even with generous grouping hyphens; stop before any work.
const MAX_INPUT = 64;

// ASCII char code → canonical symbol; undefined = not accepted. Built once.
const FOLD: ReadonlyArray<string | undefined> = (() => {
  const table: Array<string | undefined> = new Array(128).fill(undefined);
  for (const c of ALPHABET) {
    table[c.charCodeAt(0)] = c;
    table[c.toLowerCase().charCodeAt(0)] = c;
  }
  // Crockford decode aliases: I and L read as one, O as zero.
  for (const [from, to] of [
    ['I', '1'],
    ['L', '1'],
    ['O', '0'],
  ] as const) {
    table[from.charCodeAt(0)] = to;
    table[from.toLowerCase().charCodeAt(0)] = to;
  }
  return table;
})();

/**
 * A fresh code, shown as `XXXXX-XXXXX`. Each symbol takes the low 5 bits of one random byte:
 * 256 is a multiple of 32, so every symbol is uniform.
 */
export function newInteractionCode(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(SYMBOLS));
  let out = '';
  for (const b of bytes) out += ALPHABET.charAt(b & 31);
  return group(out);
}

function group(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/**
 * The canonical 10-symbol form used for storage and comparison: hyphens removed, ASCII
 * letters uppercased, `I`/`L` → `1`, `O` → `0`. Anything else (`U`, spaces, non-ASCII
 * look-alikes, wrong length, non-strings) → `undefined`. Never throws.
 */
export function normalizeInteractionCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_INPUT) return undefined;
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c === 45) continue; // '-' is presentational only
    // Table lookup on ASCII only: String#toUpperCase would map e.g. 'ı' to 'I' and 'ſ' to 'S'.
    const s = c < 128 ? FOLD[c] : undefined;
    if (s === undefined) return undefined;
    out += s;
    if (out.length > SYMBOLS) return undefined;
  }
  return out.length === SYMBOLS ? out : undefined;
}

/**
 * Display form `XXXXX-XXXXX` of a code (normalised first), e.g. for the consent page.
 * `undefined` when the input is not a valid code. Never throws.
 */
export function formatInteractionCode(code: unknown): string | undefined {
  const n = normalizeInteractionCode(code);
  return n === undefined ? undefined : group(n);
}
