import { randomUUID } from 'node:crypto';

/** A note, kept per person. */
export interface Note {
  readonly id: string;
  readonly text: string;
  readonly createdAt: string;
}

/** In-memory notes, keyed by the person (`ps` + `sub`: `sub` is unique only within its issuer). */
export class NotesStore {
  readonly #byPerson = new Map<string, Map<string, Note>>();

  #of(person: { iss: string; sub: string }): Map<string, Note> {
    const key = `${person.iss} ${person.sub}`;
    let notes = this.#byPerson.get(key);
    if (!notes) {
      notes = new Map();
      this.#byPerson.set(key, notes);
    }
    return notes;
  }

  list(person: { iss: string; sub: string }): Note[] {
    return [...this.#of(person).values()];
  }

  add(person: { iss: string; sub: string }, text: string): Note {
    const note = { id: randomUUID(), text, createdAt: new Date().toISOString() };
    this.#of(person).set(note.id, note);
    return note;
  }

  get(person: { iss: string; sub: string }, id: string): Note | undefined {
    return this.#of(person).get(id);
  }

  remove(person: { iss: string; sub: string }, id: string): boolean {
    return this.#of(person).delete(id);
  }
}
