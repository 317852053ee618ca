import {
  type AAuthOptions,
  OPENAPI_VOCABULARY,
  type R3DisplayMap,
  type R3Options,
  type ResourceMetadataOptions,
  r3DefinitionFromOpenApi,
} from '@aauth-gate/core';
import { AAuthModule } from '@aauth-gate/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { NotesStore } from './notes.ts';
import {
  HealthController,
  NotesController,
  OpenApiController,
  WhoamiController,
} from './notes-controller.ts';
import { notesOperationRequirements } from './openapi.ts';

/**
 * The notes API: its OpenAPI operations, with R3 consent over them. `AAuthModule` guards every
 * route (global guard), serves the metadata, JWKS, pending URLs, R3 documents and revocation
 * endpoint, and checks each `@RequireAAuth()` when the app starts.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: Nest's dynamic-module idiom, AppModule.forRoot(options)
export class AppModule {
  static forRoot(options: AAuthOptions): DynamicModule {
    // One store, shared by the controller and the proposals that name a note.
    const notes = new NotesStore();
    return {
      module: AppModule,
      imports: [AAuthModule.forRoot({ ...options, r3: notesR3(options.resource, notes) })],
      controllers: [HealthController, OpenApiController, WhoamiController, NotesController],
      providers: [{ provide: NotesStore, useValue: notes }],
    };
  }
}

/**
 * What people read when they consent (R3 §4.1): kept by the resource, never published in the
 * OpenAPI document. Proposals for a deletion add the call's own details.
 */
const NOTES_DISPLAY: R3DisplayMap = {
  listNotes: { summary: 'Read your notes', data_accessed: 'The text and dates of all your notes' },
  createNote: { summary: 'Create a note', implications: 'A new note is added to your notes' },
  deleteNote: {
    summary: 'Delete one of your notes',
    irreversible: 'A deleted note cannot be restored',
  },
};

/** R3: the operations people consent to, and where agents read them. */
export function notesR3(resource: string, notes: NotesStore): R3Options {
  return {
    definition: r3DefinitionFromOpenApi(notesOperationRequirements, NOTES_DISPLAY),
    vocabularies: { [OPENAPI_VOCABULARY]: `${resource}/openapi.json` },
    // A deletion's proposal names the very note, which only the resource knows (R3 §7).
    describeCall: ({ operation, parameters, principal }) => {
      const person = principal.person;
      const note =
        operation.id === 'deleteNote' && person
          ? notes.get(person, String(parameters.id))
          : undefined;
      if (!note) return {};
      return {
        summary: `Delete the note “${note.text.slice(0, 60)}”`,
        detail: `## Action\nDelete the note written ${note.createdAt.slice(0, 10)}.`,
      };
    },
  };
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
