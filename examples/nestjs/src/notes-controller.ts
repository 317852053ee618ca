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

/** `/whoami` needs agent identity only. */
@Controller('whoami')
export class WhoamiController {
  @Get()
  @RequireAAuth('agent')
  whoami(@Principal() p: AAuthPrincipal | undefined): {
    tokenType: string | undefined;
    agent: { iss: string; sub: string } | null;
    person: Person | null;
  } {
    return { tokenType: p?.tokenType, agent: p?.agent ?? null, person: p?.person ?? null };
  }
}

/** The notes need an auth token: `notes:read` for the controller, `notes:write` to change. */
@Controller('notes')
@RequireAAuth({ auth: ['notes:read'] })
export class NotesController {
  // Explicit @Inject: tsx (esbuild) emits no decorator metadata, so Nest can't infer the type.
  constructor(@Inject(NotesStore) private readonly notes: NotesStore) {}

  @Get()
  list(@Principal() p: AAuthPrincipal | undefined): { notes: Note[] } {
    return { notes: this.notes.list(p?.person as Person) };
  }

  @Post()
  @RequireAAuth({ auth: ['notes:write'], components: ['content-type', 'content-digest'] })
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

  @Delete(':id')
  @HttpCode(204)
  @RequireAAuth({ auth: ['notes:write'] })
  remove(@Param('id') id: string, @Principal() p: AAuthPrincipal | undefined): void {
    if (!this.notes.remove(p?.person as Person, id)) throw new NotFoundException();
  }
}
