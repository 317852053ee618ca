import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AAuth } from '@aauth-gate/core';
import { answerHandled, headerLines, peekBody } from '@aauth-gate/node';
import {
  ConfigurableModuleBuilder,
  type ConfigurableModuleHost,
  Global,
  Inject,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import {
  APP_FILTER,
  APP_GUARD,
  DiscoveryModule,
  DiscoveryService,
  MetadataScanner,
  Reflector,
} from '@nestjs/core';
import { AAuthGuard } from './aauth-guard.js';
import { AAuthExceptionFilter } from './answer-exception.js';
import { PUBLIC, RouteAAuth } from './decorators.js';
import {
  AAUTH,
  AAUTH_GATE,
  AAUTH_MODULE_OPTIONS,
  type AAuthGate,
  type AAuthModuleExtras,
  type AAuthModuleOptions,
  createGate,
} from './options.js';

const builder: ConfigurableModuleHost<AAuthModuleOptions, 'forRoot', 'create', AAuthModuleExtras> =
  new ConfigurableModuleBuilder<AAuthModuleOptions>({ optionsInjectionToken: AAUTH_MODULE_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras<AAuthModuleExtras>({ global: true }, (definition, extras) => ({
      ...definition,
      providers: [
        ...(definition.providers ?? []),
        ...(extras.global === false ? [] : [{ provide: APP_GUARD, useExisting: AAuthGuard }]),
      ],
    }))
    .build();

/** Answers core's endpoints (well-known documents, pending URLs, …) before any guard runs. */
@Injectable()
class WellKnownMiddleware implements NestMiddleware {
  constructor(@Inject(AAUTH) private readonly core: AAuth) {}

  use(
    req: IncomingMessage & { originalUrl?: string; rawBody?: Buffer },
    res: ServerResponse,
    next: (error?: unknown) => void,
  ): void {
    const request = {
      method: req.method ?? 'GET',
      target: req.originalUrl ?? req.url ?? '/',
      headers: headerLines(req),
      // Express platform: the raw body parser ran; Fastify: middleware runs before parsing.
      body: async () => req.rawBody ?? (await peekBody(req, res, 65_536)),
    };
    // A completed poll: the held request runs through the platform as a new request.
    this.core
      .handle(request)
      .then((handled) => (handled ? answerHandled(req, res, handled) : next()), next);
  }
}

const providers: Provider[] = [
  { provide: AAUTH_GATE, inject: [AAUTH_MODULE_OPTIONS], useFactory: createGate },
  { provide: AAUTH, inject: [AAUTH_GATE], useFactory: (gate: AAuthGate) => gate.core },
  { provide: APP_FILTER, useClass: AAuthExceptionFilter },
  AAuthGuard,
  WellKnownMiddleware,
];

/**
 * AAuth for a Nest app: `AAuthModule.forRoot(options)` or `forRootAsync({ imports, inject,
 * useFactory })`. Provides the core under `AAUTH`, registers `AAuthGuard` globally (unless
 * `global: false`), serves the well-known documents, and validates every route requirement
 * when the app starts.
 */
@Global()
@Module({ imports: [DiscoveryModule], providers, exports: [AAUTH, AAUTH_GATE, AAuthGuard] })
export class AAuthModule
  extends builder.ConfigurableModuleClass
  implements NestModule, OnModuleInit
{
  constructor(
    @Inject(AAUTH_GATE) private readonly gate: AAuthGate,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WellKnownMiddleware).forRoutes('*');
  }

  /** Programmer errors at start-up: every `@RequireAAuth()` is validated by core here. */
  onModuleInit(): void {
    for (const { metatype } of this.discovery.getControllers()) {
      if (typeof metatype !== 'function') continue;
      for (const name of this.scanner.getAllMethodNames(metatype.prototype)) {
        const where = `@RequireAAuth on ${metatype.name}.${name}`;
        const input = this.reflector.getAllAndOverride(RouteAAuth, [
          metatype.prototype[name],
          metatype,
        ]);
        if (input === undefined || input === PUBLIC) continue;
        try {
          this.gate.requirementOf(input);
        } catch (error) {
          throw new TypeError(`${where}: ${(error as Error).message}`, { cause: error });
        }
      }
    }
  }
}
