/** The three AAuth token kinds a resource accepts in `Signature-Key` (AAuth-11 §11.5.1). */
export type TokenKind = 'agent' | 'person' | 'auth';

/** `typ` → kind; anything else is refused with `invalid_jwt` (§13.11: check `typ` first). */
export const KIND_BY_TYP: Readonly<Record<string, TokenKind>> = Object.freeze({
  'aa-agent+jwt': 'agent',
  'aa-person+jwt': 'person',
  'aa-auth+jwt': 'auth',
});

/** The well-known document each kind's issuer publishes (`dwk`). */
export function isDwkFor(kind: TokenKind, dwk: unknown): dwk is string {
  if (kind === 'agent') return dwk === 'aauth-agent.json';
  if (kind === 'person') return dwk === 'aauth-person.json';
  return dwk === 'aauth-access.json' || dwk === 'aauth-person.json';
}
