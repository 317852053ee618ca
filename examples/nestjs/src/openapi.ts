import {
  type OperationMatcher,
  type OperationSelector,
  operationRequirements,
  selectOpenApiOperations,
} from '@aauth-gate/core';

/**
 * The notes API as an OpenAPI document: what agents read (served at `/openapi.json`) and what
 * the resource enforces. `x-aauth-access-mode` says what each operation needs (R3 §3.2):
 * deleting a note is `per-call`, so the person approves each deletion with its parameters.
 */
export const notesOpenApi = {
  openapi: '3.1.0',
  info: { title: 'Notes', version: '1.0.0' },
  components: {
    securitySchemes: { aauth: { type: 'http', scheme: 'AAuth' } },
  },
  paths: {
    '/whoami': {
      get: {
        operationId: 'whoami',
        summary: 'Tell who is calling',
        'x-aauth-access-mode': 'agent-token',
      },
    },
    '/notes': {
      get: {
        operationId: 'listNotes',
        summary: 'Read your notes',
        'x-aauth-access-mode': 'auth-token',
        security: [{ aauth: ['notes:read'] }],
      },
      post: {
        operationId: 'createNote',
        summary: 'Create a note',
        'x-aauth-access-mode': 'auth-token',
        security: [{ aauth: ['notes:write'] }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['text'],
                properties: { text: { type: 'string', minLength: 1, maxLength: 10000 } },
              },
            },
          },
        },
      },
    },
    '/notes/{id}': {
      delete: {
        operationId: 'deleteNote',
        summary: 'Delete one of your notes for good',
        'x-aauth-access-mode': 'per-call',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      },
    },
  },
} as const;

/** Each request's requirement comes from the document: declared once, enforced by the guard. */
export const notesOperationRequirements: OperationMatcher = operationRequirements(notesOpenApi, {
  defaultRequirement: 'agent',
  components: { createNote: ['content-type', 'content-digest'] }, // the body is signed too
});

/** For `@RequireAAuth()`: picks each request's operation by method and path. */
export const notesOperations: OperationSelector = selectOpenApiOperations(
  notesOperationRequirements,
  { unmatched: 'agent' },
);
