// Answers for the resource's own interaction endpoint (AAuth-11 §6.2, §7.3): the consent page,
// the completion page and the redirect back to a callback. Every value shown comes from an
// agent, a PS or a store, so all of it is escaped and the pages run no script at all.
import type { Answer } from '../answers/answer.js';

/** What the consent page shows and posts back. */
export interface ConsentPageInput {
  /** Agent identifier (`sub` of the agent token). */
  readonly agent: string;
  /** Issuer of the agent token. */
  readonly agentIssuer: string;
  /** The interaction code, shown so the user can compare it with the agent's. */
  readonly code: string;
  /** Anti-forgery value the endpoint checks when the form comes back. */
  readonly formNonce: string;
  /** Path the form posts to (same origin). */
  readonly action: string;
  /** A callback already accepted by `callbackUrl`, carried through the form. */
  readonly callback?: string;
  /** Name shown for the resource. Default "this service". */
  readonly resourceName?: string;
}

/** Outcome shown by `completionPage`. */
export type CompletionKind = 'approved' | 'denied' | 'error';

const BASE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
// An origin that can be written into a CSP source list as is.
const CSP_ORIGIN = /^https?:\/\/(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

function securityHeaders(formAction: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `${BASE_CSP}; form-action ${formAction}`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text safe in element content and in quoted attribute values. */
function esc(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#1a1a1a;background:#f6f6f6}
main{max-width:32rem;margin:0 auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.4rem;margin-top:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
.code{font:1.3rem ui-monospace,monospace;letter-spacing:.1em}
.actions{display:flex;gap:1rem;margin-top:1.5rem}
button{font:inherit;padding:.6rem 1.4rem;border-radius:6px;border:1px solid #555;background:#fff;cursor:pointer}
button[value=approve]{background:#1a56db;border-color:#1a56db;color:#fff}
button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}`;

function htmlDocument(title: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;
}

/**
 * The consent page: who is asking, the code to compare, and Approve / Deny buttons that post
 * `code`, `nonce`, `callback` (when given) and `decision=approve|deny` as a urlencoded form.
 * `form-action` also names the callback's origin: browsers apply it to the redirect that
 * follows the post, and the answer to the post is a `303` to the callback.
 */
export function consentPage(input: ConsentPageInput): Answer {
  const resource = input.resourceName ?? 'this service';
  let formAction = "'self'";
  let callbackField = '';
  if (input.callback !== undefined) {
    callbackField = `\n<input type="hidden" name="callback" value="${esc(input.callback)}">`;
    const origin = originOf(input.callback);
    if (origin !== undefined) formAction += ` ${origin}`;
  }
  const main = `<h1 id="title">Allow access?</h1>
<p><strong>${esc(input.agent)}</strong> wants to access <strong>${esc(resource)}</strong> on your behalf.</p>
<dl>
<dt>Agent</dt><dd>${esc(input.agent)}</dd>
<dt>Issued by</dt><dd>${esc(input.agentIssuer)}</dd>
<dt>Code</dt><dd class="code" id="code">${esc(input.code)}</dd>
</dl>
<p id="hint">Approve only if this code matches the one your agent shows you.</p>
<form method="post" action="${esc(input.action)}" enctype="application/x-www-form-urlencoded" aria-labelledby="title" aria-describedby="hint">
<input type="hidden" name="code" value="${esc(input.code)}">
<input type="hidden" name="nonce" value="${esc(input.formNonce)}">${callbackField}
<div class="actions">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`;
  return {
    status: 200,
    headers: securityHeaders(formAction),
    body: htmlDocument(`Allow access to ${resource}?`, main),
  };
}

function originOf(raw: string): string | undefined {
  try {
    const origin = new URL(raw).origin;
    return CSP_ORIGIN.test(origin) ? origin : undefined;
  } catch {
    return undefined;
  }
}

const COMPLETION: Readonly<
  Record<CompletionKind, { status: number; title: string; text: string }>
> = {
  approved: {
    status: 200,
    title: 'Access approved',
    text: 'You can close this window and return to your agent.',
  },
  denied: {
    status: 200,
    title: 'Access denied',
    text: 'The agent was not given access. You can close this window.',
  },
  error: {
    status: 400,
    title: 'Something went wrong',
    text: 'This request could not be completed. Ask your agent to start again.',
  },
};

/**
 * The page shown when there is no callback to return to. `approved`/`denied` answer `200`,
 * `error` answers `400`; `message` (plain text) replaces the default explanation.
 */
export function completionPage(kind: CompletionKind, message?: string): Answer {
  const c = Object.hasOwn(COMPLETION, kind) ? COMPLETION[kind] : COMPLETION.error;
  const main = `<h1>${esc(c.title)}</h1>\n<p>${esc(message ?? c.text)}</p>`;
  return {
    status: c.status,
    headers: securityHeaders("'none'"),
    body: htmlDocument(c.title, main),
  };
}

/**
 * `303 See Other` to `url` (the browser follows with `GET`, never re-posting the form).
 * `url` must already be validated (see `callbackUrl`); a value with whitespace, control or
 * non-ASCII characters is a programmer error and throws `TypeError`.
 */
export function redirectTo(url: string | URL): Answer {
  const location = typeof url === 'string' ? url : url.href;
  if (location === '' || !/^[\x21-\x7e]+$/.test(location)) {
    throw new TypeError('redirect target must be a non-empty URL of visible ASCII characters');
  }
  return {
    status: 303,
    headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
    body: '',
  };
}
