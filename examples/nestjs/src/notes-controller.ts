import { type AAuthPrincipal, Principal, Public, RequireAAuth } from '@aauth-gate/nestjs';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { type Note, NotesStore } from './notes.ts';
import { notesOpenApi, notesOperations } from './openapi.ts';

type Person = { iss: string; sub: string };

/** `/health` is open (load balancers); `@Public()` skips the global guard. */
@Controller('health')
export class HealthController {
  @Get()
  @Public()
  health(): { status: string } {
    return { status: 'ok' };
  }
}

/** `/openapi.json` is open too: the vocabulary agents read before they call. */
@Controller('openapi.json')
export class OpenApiController {
  @Get()
  @Public()
  document(): typeof notesOpenApi {
    return notesOpenApi;
  }
}

/** `/whoami`: the document asks for agent identity only (`agent-token`). */
@Controller('whoami')
@RequireAAuth(notesOperations)
export class WhoamiController {
  @Get()
  whoami(@Principal() p: AAuthPrincipal | undefined): {
    tokenType: string | undefined;
    agent: { iss: string; sub: string } | null;
    person: Person | null;
  } {
    return { tokenType: p?.tokenType, agent: p?.agent ?? null, person: p?.person ?? null };
  }
}

/**
 * The notes: each request's requirement is its operation's in the document (`notes:read`,
 * `notes:write` with the body signed, a per-call deletion).
 */
@Controller('notes')
@RequireAAuth(notesOperations)
export class NotesController {
  // Explicit @Inject: tsx (esbuild) emits no decorator metadata, so Nest can't infer the type.
  constructor(@Inject(NotesStore) private readonly notes: NotesStore) {}

  @Get()
  list(@Principal() p: AAuthPrincipal | undefined): { notes: Note[] } {
    return { notes: this.notes.list(p?.person as Person) };
  }

  @Post()
  add(@Body() body: unknown, @Principal() p: AAuthPrincipal | undefined): Note {
    const text = (body as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string' || text.length === 0 || text.length > 10_000) {
      throw new BadRequestException({
        error: 'invalid_request',
        detail: 'text (1–10000 characters) is required',
      });
    }
    return this.notes.add(p?.person as Person, text);
  }

  // Per-call: runs once the person approved this very deletion (held with 202 meanwhile).
  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id') id: string, @Principal() p: AAuthPrincipal | undefined): void {
    if (!this.notes.remove(p?.person as Person, id)) throw new NotFoundException();
  }
}
