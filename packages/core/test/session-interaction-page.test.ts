import { describe, expect, it } from 'vitest';
import { callbackUrl } from '../src/session/callback-url.ts';
import {
  type ConsentPageInput,
  completionPage,
  consentPage,
  redirectTo,
} from '../src/session/interaction-page.ts';
import { parseForm } from '../src/session/parse-form.ts';

const base: ConsentPageInput = {
  agent: 'aauth:assistant@agent.example',
  agentIssuer: 'https://agent.example',
  code: 'ABCDE-FGHJK',
  formNonce: 'n0nce-value',
  action: '/aauth/interaction',
};

const HOSTILE = `<script>alert("x")</script>'"&\`<img src=x onerror=alert(1)>`;

// Every attribute value and text node between tags, decoded, in document order.
function hiddenInputs(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    out[m[1] as string] = decode(m[2] as string);
  }
  return out;
}
function decode(s: string): string {
  return s
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&#96;', '`')
    .replaceAll('&amp;', '&');
}

function expectSecurityHeaders(headers: Readonly<Record<string, string>>): void {
  expect(headers['content-type']).toBe('text/html; charset=utf-8');
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-content-type-options']).toBe('nosniff');
  const csp = headers['content-security-policy'] as string;
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("style-src 'unsafe-inline'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).not.toContain('script-src');
}

describe('consentPage', () => {
  it('is a 200 HTML page with the security headers', () => {
    const a = consentPage(base);
    expect(a.status).toBe(200);
    expectSecurityHeaders(a.headers);
    expect(a.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(a.body.startsWith('<!doctype html>')).toBe(true);
    expect(a.body).toContain('<html lang="en">');
  });

  it('says who asks for what and shows the code to compare', () => {
    const body = consentPage({ ...base, resourceName: 'Notes' }).body;
    expect(body).toContain(
      '<strong>aauth:assistant@agent.example</strong> wants to access <strong>Notes</strong> on your behalf.',
    );
    expect(body).toContain('https://agent.example');
    expect(body).toContain('>ABCDE-FGHJK</dd>');
    expect(consentPage(base).body).toContain('<strong>this service</strong>');
  });

  it('posts code, nonce, callback and decision=approve|deny as a urlencoded form', () => {
    const body = consentPage({ ...base, callback: 'https://ps.example/cb?flow=1&x=2' }).body;
    expect(body).toContain(
      '<form method="post" action="/aauth/interaction" enctype="application/x-www-form-urlencoded"',
    );
    expect(hiddenInputs(body)).toEqual({
      code: 'ABCDE-FGHJK',
      nonce: 'n0nce-value',
      callback: 'https://ps.example/cb?flow=1&x=2',
    });
    expect(body).toContain(
      '<button type="submit" name="decision" value="approve">Approve</button>',
    );
    expect(body).toContain('<button type="submit" name="decision" value="deny">Deny</button>');
  });

  it('omits the callback field without a callback', () => {
    expect(hiddenInputs(consentPage(base).body)).toEqual({
      code: 'ABCDE-FGHJK',
      nonce: 'n0nce-value',
    });
  });

  it('lets the post redirect to the callback origin (form-action covers redirects)', () => {
    const a = consentPage({ ...base, callback: 'https://ps.example/cb?flow=1' });
    expect(a.headers['content-security-policy']).toMatch(
      /form-action 'self' https:\/\/ps\.example$/,
    );
    const local = consentPage({ ...base, callback: 'http://127.0.0.1:8765/cb' });
    expect(local.headers['content-security-policy']).toMatch(
      /form-action 'self' http:\/\/127\.0\.0\.1:8765$/,
    );
  });

  it('never writes an unsafe origin into the CSP', () => {
    for (const callback of [
      'https://a;b.example/',
      "https://a'b.example/",
      'https://a,b.example/',
      'nonsense',
    ]) {
      const csp = consentPage({ ...base, callback }).headers['content-security-policy'] as string;
      expect(csp.endsWith("form-action 'self'"), callback).toBe(true);
    }
  });

  it('escapes every interpolated value', () => {
    const a = consentPage({
      agent: HOSTILE,
      agentIssuer: HOSTILE,
      code: HOSTILE,
      formNonce: HOSTILE,
      action: `/x" onmouseover="alert(1)`,
      callback: `https://ps.example/cb?a="><script>x</script>`,
      resourceName: HOSTILE,
    });
    expect(a.body).not.toContain('<script');
    expect(a.body).not.toContain('<img');
    expect(a.body).not.toContain('" onmouseover');
    expect(a.body).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&quot;&amp;&#96;',
    );
    expect(a.body).toContain('action="/x&quot; onmouseover=&quot;alert(1)"');
    // Values still survive the round trip through the form.
    expect(hiddenInputs(a.body)).toEqual({
      code: HOSTILE,
      nonce: HOSTILE,
      callback: `https://ps.example/cb?a="><script>x</script>`,
    });
    // The title is escaped too.
    expect(a.body).toMatch(/<title>Allow access to &lt;script&gt;.*\?<\/title>/);
  });

  it('the posted form parses back with parseForm', () => {
    const body = consentPage({ ...base, callback: 'https://ps.example/cb?q=a b&r=é' }).body;
    const fields = { ...hiddenInputs(body), decision: 'approve' };
    const wire = new URLSearchParams(fields).toString();
    expect({ ...parseForm(new TextEncoder().encode(wire)) }).toEqual(fields);
  });
});

describe('completionPage', () => {
  it.each([
    ['approved', 200, 'Access approved'],
    ['denied', 200, 'Access denied'],
    ['error', 400, 'Something went wrong'],
  ] as const)('%s → %i with the security headers', (kind, status, title) => {
    const a = completionPage(kind);
    expect(a.status).toBe(status);
    expectSecurityHeaders(a.headers);
    expect(a.headers['content-security-policy']).toContain("form-action 'none'");
    expect(a.body).toContain(`<h1>${title}</h1>`);
    expect(a.body).toContain(`<title>${title}</title>`);
    expect(a.body).not.toContain('<form');
  });

  it('shows an escaped message instead of the default text', () => {
    const a = completionPage('error', HOSTILE);
    expect(a.body).not.toContain('<script');
    expect(a.body).toContain('<p>&lt;script&gt;');
    expect(a.body).not.toContain('Ask your agent to start again');
  });

  it('treats an unknown kind from an untyped caller as an error', () => {
    expect(completionPage('toString' as 'error').status).toBe(400);
  });
});

describe('redirectTo', () => {
  it('is a 303 with location and no-store', () => {
    expect(redirectTo('https://ps.example/cb?x=1')).toEqual({
      status: 303,
      headers: {
        location: 'https://ps.example/cb?x=1',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      },
      body: '',
    });
  });

  it('takes a URL and writes its serialisation', () => {
    const url = callbackUrl('https://ps.example/cb?x=1', { dev: false }) as URL;
    expect(redirectTo(url).headers.location).toBe('https://ps.example/cb?x=1');
  });

  it.each([
    '',
    'https://ps.example/cb\r\nset-cookie: a=b',
    'https://ps.example/a b',
    'https://ps.example/é',
  ])('throws TypeError for an unsafe location %j', (loc) => {
    expect(() => redirectTo(loc)).toThrow(TypeError);
  });
});
