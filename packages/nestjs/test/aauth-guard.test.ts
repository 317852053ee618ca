import 'reflect-metadata';
import {
  type AAuth,
  type AAuthPrincipal,
  type AAuthRequest,
  createAAuth,
  type RequirementInput,
} from '@aauth-gate/core';
import { Body, Controller, Get, HttpCode, Module, Post, type Type } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AAuthModule, Principal, Public, RequireAAuth } from '../src/index.js';
import { type Platform, platforms, rawRequest, type Started, startApp } from './start-app.js';

const core = createAAuth({
  resource: 'https://api.example',
  trust: { agentProviders: 'any', personServers: 'any' },
});

@Controller()
class RoutesController {
  @Get('default')
  undecorated(): string {
    return 'reached';
  }

  @Get('open')
  @Public()
  open(@Principal() principal: AAuthPrincipal | undefined): { undefined: boolean } {
    return { undefined: principal === undefined };
  }

  @Get('optional')
  @RequireAAuth({ optional: true })
  optional(@Principal() principal: AAuthPrincipal | undefined): { principal: string | null } {
    return { principal: principal === undefined ? null : principal.sub };
  }

  @Get('echo/:a/:b')
  @RequireAAuth()
  echoGet(@Principal() principal: AAuthPrincipal | undefined): { sub: string | undefined } {
    return { sub: principal?.sub };
  }

  @Post('echo')
  @HttpCode(200)
  @RequireAAuth()
  echoPost(@Body() _body: unknown): string {
    return 'posted';
  }
}

@Controller('person')
@RequireAAuth('person')
class PersonController {
  @Get()
  inherited(): string {
    return 'person';
  }

  @Get('agent')
  @RequireAAuth('agent')
  agent(): string {
    return 'agent';
  }

  @Get('public')
  @Public()
  open(): string {
    return 'public';
  }
}

@Controller('public')
@Public()
class PublicController {
  @Get()
  open(): string {
    return 'public';
  }

  @Get('closed')
  @RequireAAuth('person')
  closed(): string {
    return 'closed';
  }
}

const controllers = [RoutesController, PersonController, PublicController];

function appModule(options: Parameters<typeof AAuthModule.forRoot>[0]): Type {
  @Module({ imports: [AAuthModule.forRoot(options)], controllers })
  class AppModule {}
  return AppModule;
}

/** A core that records what the adapter hands it and lets every request through. */
function recordingCore(principal?: AAuthPrincipal): { core: AAuth; seen: AAuthRequest[] } {
  const seen: AAuthRequest[] = [];
  const recording: AAuth = {
    ...core,
    verify: async (request) => {
      seen.push(request);
      return { ok: true, principal };
    },
  };
  return { core: recording, seen };
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe.each(platforms)('AAuthGuard on %s', (platform: Platform) => {
  describe('with the real core', () => {
    let app: Started;
    beforeAll(async () => {
      app = await startApp(platform, appModule({ core }));
    });
    afterAll(() => app.close());

    it('answers an unsigned request with core’s challenge, unchanged and without WWW-Authenticate', async () => {
      const got = await rawRequest(app.url, 'GET', '/default');
      const want = await core.verify({ method: 'GET', target: '/default', headers: {} }, 'agent');
      expect(want.ok).toBe(false);
      if (want.ok) return;
      expect(got.status).toBe(401);
      expect(got.headers['aauth-requirement']).toBe('requirement=agent-token');
      for (const [name, value] of Object.entries(want.answer.headers))
        expect(got.headers[name]).toBe(value);
      expect(got.headers['www-authenticate']).toBeUndefined();
      expect(got.headers['signature-error']).toBeUndefined();
      expect(got.headers['content-type']).toBeUndefined();
      expect(got.body.length).toBe(0);
    });

    it('copies a problem+json answer byte for byte (status, headers, body)', async () => {
      const headers = { signature: 'sig=:AAAA:' };
      const got = await rawRequest(app.url, 'GET', '/default', headers);
      const want = await core.verify({ method: 'GET', target: '/default', headers }, 'agent');
      if (want.ok) throw new Error('expected a failure');
      expect(got.status).toBe(want.answer.status);
      expect(got.headers['signature-error']).toBe('error=invalid_signature');
      expect(got.headers['content-type']).toBe('application/problem+json');
      for (const [name, value] of Object.entries(want.answer.headers))
        expect(got.headers[name]).toBe(value);
      expect(got.body.toString('utf8')).toBe(want.answer.body);
    });

    it('leaves @Public() routes open, with no principal', async () => {
      const got = await rawRequest(app.url, 'GET', '/open');
      expect(got.status).toBe(200);
      expect(JSON.parse(got.body.toString())).toEqual({ undefined: true });
    });

    it('lets an unsigned request through an optional route with no principal', async () => {
      const got = await rawRequest(app.url, 'GET', '/optional');
      expect(got.status).toBe(200);
      expect(JSON.parse(got.body.toString())).toEqual({ principal: null });
    });

    it.each([
      ['/person', 401, 'requirement=person-token'],
      ['/person/agent', 401, 'requirement=agent-token'],
      ['/person/public', 200, undefined],
      ['/public', 200, undefined],
      ['/public/closed', 401, 'requirement=person-token'],
    ])('lets the handler override the controller: %s', async (path, status, requirement) => {
      const got = await rawRequest(app.url, 'GET', path);
      expect(got.status).toBe(status);
      expect(got.headers['aauth-requirement']).toBe(requirement);
    });

    it('leaves unknown paths to Nest (404)', async () => {
      const got = await rawRequest(app.url, 'GET', '/nowhere');
      expect(got.status).toBe(404);
      expect(got.headers['aauth-requirement']).toBeUndefined();
    });
  });

  describe('translating the request', () => {
    it('hands core the method, the wire target, the headers, and no authority or scheme by default', async () => {
      const { core: recording, seen } = recordingCore();
      const app = await startApp(platform, appModule({ core: recording }));
      try {
        const target = '/echo/a%2Fb/c?x=1&y=%20z&x=2';
        const got = await rawRequest(app.url, 'GET', target, {
          'x-custom': 'one',
          'x-forwarded-host': 'evil.example',
          'x-forwarded-proto': 'https',
        });
        expect(got.status).toBe(200);
        expect(seen).toHaveLength(1);
        const [request] = seen as [AAuthRequest];
        expect(request.method).toBe('GET');
        expect(request.target).toBe(target);
        // Every field line as received (Node's req.headers would drop repeated lines).
        expect(request.headers as [string, string][]).toContainEqual(['x-custom', 'one']);
        expect(request.authority).toBeUndefined();
        expect(request.scheme).toBeUndefined();
        expect(request.body).toBeUndefined();
      } finally {
        await app.close();
      }
    });

    it('takes authority and scheme from the platform’s trust-proxy decision with trustProxy', async () => {
      const { core: recording, seen } = recordingCore();
      const app = await startApp(platform, appModule({ core: recording, trustProxy: true }), {
        trustProxy: true,
      });
      try {
        await rawRequest(app.url, 'GET', '/echo/a/b', {
          'x-forwarded-host': 'api.example:8443',
          'x-forwarded-proto': 'https',
        });
        expect(seen[0]?.authority).toBe('api.example:8443');
        expect(seen[0]?.scheme).toBe('https');
      } finally {
        await app.close();
      }
    });

    it.each([
      ['application/json', bytes('{ "a" :\t1 }')],
      ['application/octet-stream', new Uint8Array([0xff, 0xfe, 0x00, 0x01])],
      ['text/plain', new Uint8Array([0x63, 0x61, 0x66, 0xe9])],
      ['application/x-www-form-urlencoded', bytes('a=1&b=%C3%A9+x')],
    ])('hands core the raw body bytes of %s', async (type, body) => {
      const { core: recording, seen } = recordingCore();
      const app = await startApp(platform, appModule({ core: recording }));
      try {
        const got = await rawRequest(app.url, 'POST', '/echo', { 'content-type': type }, body);
        expect(got.status).toBe(200);
        expect(seen[0]?.body).toBeDefined();
        expect(new Uint8Array(seen[0]?.body as Uint8Array)).toEqual(body);
      } finally {
        await app.close();
      }
    });

    it('hands core no body when the app was created without rawBody', async () => {
      const { core: recording, seen } = recordingCore();
      const app = await startApp(platform, appModule({ core: recording }), { rawBody: false });
      try {
        const got = await rawRequest(
          app.url,
          'POST',
          '/echo',
          { 'content-type': 'application/json' },
          bytes('{"a":1}'),
        );
        expect(got.status).toBe(200);
        expect(seen[0]?.body).toBeUndefined();
      } finally {
        await app.close();
      }
    });

    it('injects the principal with @Principal()', async () => {
      const principal = { sub: 'aauth:assistant@agents.example' } as AAuthPrincipal;
      const { core: recording } = recordingCore(principal);
      const app = await startApp(platform, appModule({ core: recording }));
      try {
        const got = await rawRequest(app.url, 'GET', '/echo/a/b');
        expect(JSON.parse(got.body.toString())).toEqual({ sub: principal.sub });
      } finally {
        await app.close();
      }
    });

    it('uses defaultRequirement for routes without a decorator', async () => {
      const requirement: RequirementInput = 'person';
      const app = await startApp(platform, appModule({ core, defaultRequirement: requirement }));
      try {
        const got = await rawRequest(app.url, 'GET', '/default');
        expect(got.headers['aauth-requirement']).toBe('requirement=person-token');
        const open = await rawRequest(app.url, 'GET', '/open');
        expect(open.status).toBe(200);
      } finally {
        await app.close();
      }
    });
  });
});
