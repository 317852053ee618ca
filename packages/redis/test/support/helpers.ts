/** Integer reply (`:123`) of a raw RESP2 answer. */
export function integerReply(reply: string): number {
  if (!reply.startsWith(':')) throw new Error(`not an integer reply: ${reply}`);
  return Number(reply.slice(1).trim());
}

/** Elements of a flat RESP2 array of bulk strings. */
export function arrayReply(reply: string): string[] {
  const lines = reply.split('\r\n');
  if (!lines[0]?.startsWith('*')) throw new Error(`not an array reply: ${reply}`);
  const out: string[] = [];
  for (let i = 2; i < lines.length; i += 2) out.push(lines[i] as string);
  return out.slice(0, Number(lines[0].slice(1)));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const nowSeconds = (): number => Date.now() / 1000;
