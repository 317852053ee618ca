import type { AAuthOptions, ResourceMetadataOptions } from '@aauth-gate/core';
import { AAuthModule } from '@aauth-gate/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { NotesStore } from './notes.ts';
import { HealthController, NotesController, WhoamiController } from './notes-controller.ts';

/**
 * The notes API: `/whoami` needs agent identity, the notes need an auth token with scopes.
 * `AAuthModule` guards every route (global guard), serves the metadata, JWKS and revocation
 * endpoint, and checks each `@RequireAAuth()` when the app starts.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: Nest's dynamic-module idiom, AppModule.forRoot(options)
export class AppModule {
  static forRoot(options: AAuthOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [AAuthModule.forRoot(options)],
      controllers: [HealthController, WhoamiController, NotesController],
      providers: [NotesStore],
    };
  }
}

/** The optional metadata every notes example publishes. */
export function notesMetadata(resource: string): ResourceMetadataOptions {
  return {
    name: 'Notes (NestJS example)',
    accessMode: 'auth-token',
    scopeDescriptions: {
      'notes:read': 'Read your notes',
      'notes:write': 'Create and delete your notes',
    },
    revocationEndpoint: `${resource}/aauth/revoke`,
  };
}
