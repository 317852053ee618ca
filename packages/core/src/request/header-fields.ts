import type { HeaderInput } from './aauth-request.js';

/**
 * Normalised header access: lowercase names → the list of field lines in order.
 * Built once per request.
 */
export type HeaderFields = ReadonlyMap<string, readonly string[]>;

/** Collect field lines by lowercase name, keeping the order of repeated lines. */
export function collectHeaderFields(input: HeaderInput): HeaderFields {
  const map = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    const key = name.toLowerCase();
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  if (typeof Headers !== 'undefined' && input instanceof Headers) {
    input.forEach((value, name) => {
      add(name, value);
    });
  } else if (Array.isArray(input)) {
    for (const [name, value] of input as ReadonlyArray<readonly [string, string]>) add(name, value);
  } else {
    for (const [name, value] of Object.entries(
      input as Readonly<Record<string, string | readonly string[] | undefined>>,
    )) {
      if (value === undefined) continue;
      if (typeof value === 'string') add(name, value);
      else for (const v of value) add(name, v);
    }
  }
  return map;
}

/** The combined field value per RFC 9421 §2.1 (each line trimmed, joined with `, `). */
export function fieldValue(fields: HeaderFields, name: string): string | undefined {
  const lines = fields.get(name);
  if (!lines) return undefined;
  return lines.map((l) => l.replace(/\r\n[ \t]+/g, ' ').trim()).join(', ');
}
