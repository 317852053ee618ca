import 'reflect-metadata';
import { type AAuth, type AAuthOptions, createAAuth } from '@aauth-gate/core';
import {
  createDevAgentProvider,
  type DevAgentProvider,
  type DevKey,
  generateDevKey,
  signRequest,
} from '@aauth-gate/testing';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Injectable,
  type LoggerService,
  Module,
  Post,
  type Type,
  UseGuards,
} from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AAUTH,
  AAuthGuard,
  AAuthModule,
  type AAuthPrincipal,
  Principal,
  RequireAAuth,
} from '../src/index.js';
import { type Platform, platforms, rawRequest, startApp } from './start-app.js';

const RESOURCE = 'https://api.example';
const AUTHORITY = 'api.example';
const core = createAAuth({
  resource: RESOURCE,
  trust: { agentProviders: 'any', personServers: 'any' },
});

@Controller()
class PlainController {
  @Get('plain')
  plain(): string {
    return 'reached';
  }

  @Get('guarded')
  @UseGuards(AAuthGuard)
  guarded(): string {
    return 'guarded';
  }
}

/** Settings a real app would read from its config module. */
@Injectable()
class Settings {
  readonly options: AAuthOptions;
  constructor(issuer: string) {
    this.options = {
      resource: RESOURCE,
      dev: true,
      trust: { agentProviders: [issuer], personServers: [] },
    };
  }
}

@Controller()
class SignedController {
  constructor(@Inject(AAUTH) private readonly aauth: AAuth) {}

  @Get('whoami')
  whoami(@Principal() principal: AAuthPrincipal | undefined): {
    sub: string | undefined;
    resource: string;
  } {
    return { sub: principal?.sub, resource: this.aauth.resource };
  }

  @Post('upload')
  @HttpCode(200)
  @RequireAAuth({ components: ['content-digest'] })
  upload(@Principal() principal: AAuthPrincipal | undefined, @Body() body: unknown): unknown {
    return { sub: principal?.sub, body };
  }
}

function capture(): LoggerService & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = (): void => {};
  return { warnings, log: noop, error: noop, warn: (m: unknown) => warnings.push(String(m)) };
}

describe.each(platforms)('AAuthModule on %s', (platform: Platform) => {
  it('serves the metadata and JWKS past the global guard, byte for byte', async () => {
    @Module({ imports: [AAuthModule.forRoot({ core })], controllers: [PlainController] })
    class AppModule {}
    const app = await startApp(platform, AppModule);
    try {
      const jwksPath = new URL(core.metadata.jwks_uri as string).pathname;
      for (const [path, doc] of [
        ['/.well-known/aauth-resource.json', core.metadata],
        [jwksPath, core.jwks],
      ] as const) {
        const want = core.wellKnown('GET', path);
        const got = await rawRequest(app.url, 'GET', `${path}?x=1`);
        expect(got.status).toBe(200);
        expect(got.headers).toMatchObject(want?.headers ?? {});
        expect(got.body.toString()).toBe(want?.body);
        expect(JSON.parse(got.body.toString())).toEqual(doc);
      }
      const head = await rawRequest(app.url, 'HEAD', '/.well-known/aauth-resource.json');
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      const options = await rawRequest(app.url, 'OPTIONS', '/.well-known/aauth-resource.json');
      expect(options.status).toBe(204);
      const post = await rawRequest(app.url, 'POST', '/.well-known/aauth-resource.json');
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
    } finally {
      await app.close();
    }
  });

  it('serves the documents under a global prefix when .well-known is excluded', async () => {
    @Module({ imports: [AAuthModule.forRoot({ core })], controllers: [PlainController] })
    class AppModule {}
    const app = await startApp(platform, AppModule, {
      globalPrefix: { prefix: 'api', exclude: ['.well-known/{*path}'] },
    });
    try {
      const got = await rawRequest(app.url, 'GET', '/.well-known/aauth-resource.json');
      expect(got.status).toBe(200);
      expect(JSON.parse(got.body.toString())).toEqual(core.metadata);
      expect((await rawRequest(app.url, 'GET', '/api/plain')).status).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('lets CORS preflights through and keeps CORS headers on a challenge', async () => {
    @Module({ imports: [AAuthModule.forRoot({ core })], controllers: [PlainController] })
    class AppModule {}
    const app = await startApp(platform, AppModule, { cors: true });
    try {
      const origin = { origin: 'https://app.example' };
      const preflight = await rawRequest(app.url, 'OPTIONS', '/plain', {
        ...origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'signature, signature-input, signature-key',
      });
      expect(preflight.status).toBe(204);
      const got = await rawRequest(app.url, 'GET', '/plain', origin);
      expect(got.status).toBe(401);
      expect(got.headers['aauth-requirement']).toBe('requirement=agent-token');
      expect(got.headers['access-control-allow-origin']).toBe('*');
    } finally {
      await app.close();
    }
  });

  it('with global: false guards only @UseGuards(AAuthGuard) routes', async () => {
    @Module({
      imports: [AAuthModule.forRoot({ core, global: false })],
      controllers: [PlainController],
    })
    class AppModule {}
    const app = await startApp(platform, AppModule);
    try {
      expect((await rawRequest(app.url, 'GET', '/plain')).status).toBe(200);
      const guarded = await rawRequest(app.url, 'GET', '/guarded');
      expect(guarded.status).toBe(401);
      expect(guarded.headers['aauth-requirement']).toBe('requirement=agent-token');
    } finally {
      await app.close();
    }
  });

  it('refuses a bad route requirement when the app starts, naming the handler', async () => {
    @Controller()
    class BadController {
      @Get('bad')
      @RequireAAuth({ auth: ['notes:read'] })
      bad(): string {
        return 'never';
      }
    }
    @Module({ imports: [AAuthModule.forRoot({ core })], controllers: [BadController] })
    class AppModule {}
    await expect(startApp(platform, AppModule)).rejects.toThrow(
      /@RequireAAuth on BadController\.bad: .*signingKey/,
    );
  });

  it('refuses bad module options with a TypeError naming the option', async () => {
    for (const [options, message] of [
      [{ core: {} as AAuth }, /core must be an AAuth instance from createAAuth/],
      [{ core, trustProxy: 'yes' as unknown as boolean }, /trustProxy must be a boolean/],
      [{ core, defaultRequirement: { auth: [] } }, /requirement\.auth/],
      [
        { resource: 'http://api.example', trust: { agentProviders: 'any', personServers: 'any' } },
        /resource/,
      ],
    ] as const) {
      @Module({ imports: [AAuthModule.forRoot(options)], controllers: [PlainController] })
      class AppModule {}
      await expect(startApp(platform, AppModule)).rejects.toThrow(message);
    }
  });

  describe('with core created by the module (forRootAsync, guarded fetch, dev issuer)', () => {
    let provider: DevAgentProvider;
    let key: DevKey;
    beforeAll(async () => {
      provider = await createDevAgentProvider();
      key = await generateDevKey();
    });
    afterAll(() => provider.close());

    const appModule = (): Type => {
      @Module({
        providers: [{ provide: Settings, useFactory: () => new Settings(provider.issuer) }],
        exports: [Settings],
      })
      class SettingsModule {}
      @Module({
        imports: [
          AAuthModule.forRootAsync({
            imports: [SettingsModule],
            inject: [Settings],
            useFactory: async (settings: Settings) => settings.options,
          }),
        ],
        controllers: [SignedController],
      })
      class AppModule {}
      return AppModule;
    };

    const signed = async (url: string, method: string, path: string, body?: string) => {
      const token = await provider.issueAgentToken({ agentKey: key });
      const bytes = body === undefined ? undefined : new TextEncoder().encode(body);
      const headers = await signRequest({
        method,
        url: `${url}${path}`,
        headers: bytes ? { 'content-type': 'application/json' } : {},
        body: bytes,
        key,
        token,
        authority: AUTHORITY,
      });
      return rawRequest(url, method, path, headers, bytes);
    };

    it('verifies a signed request, fills @Principal() and provides the core under AAUTH', async () => {
      const app = await startApp(platform, appModule());
      try {
        const got = await signed(app.url, 'GET', '/whoami');
        expect(got.status).toBe(200);
        expect(JSON.parse(got.body.toString())).toEqual({
          sub: `aauth:assistant@127.0.0.1`,
          resource: RESOURCE,
        });
        const posted = await signed(app.url, 'POST', '/upload', '{"note":"hi"}');
        expect(posted.status).toBe(200);
        expect(JSON.parse(posted.body.toString()).body).toEqual({ note: 'hi' });
      } finally {
        await app.close();
      }
    });

    it('answers 401 (not 500) when content-digest is covered but there is no raw body, and logs a hint once', async () => {
      const logger = capture();
      const app = await startApp(platform, appModule(), { rawBody: false, logger });
      try {
        for (const text of ['{"note":"a"}', '{"note":"b"}']) {
          const got = await signed(app.url, 'POST', '/upload', text);
          expect(got.status).toBe(401);
          expect(got.headers['signature-error']).toBe('error=invalid_signature');
          expect(JSON.parse(got.body.toString()).detail).toMatch(/raw body/);
        }
        const hints = logger.warnings.filter((w) => w.includes('rawBody: true'));
        expect(hints).toHaveLength(1);
      } finally {
        await app.close();
      }
    });
  });
});
