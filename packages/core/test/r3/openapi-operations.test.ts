import { describe, expect, it } from 'vitest';
import {
  type OperationRequirementsOptions,
  operationRequirements,
  type RequirementInput,
  type VerifyResult,
} from '../../src/index.ts';
import { createWorld } from '../support/issuers.ts';

const read = { oauth: ['notes:read'] };
const write = { oauth: ['notes:write'] };

/** The notes API (R3 §3.5: `x-aauth-access-mode` on Operation Objects; OpenAPI 3.0). */
function notesDocument(): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: 'notes', version: '1' },
    components: {
      securitySchemes: {
        oauth: {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: 'https://as.example/token',
              scopes: { 'notes:read': 'read', 'notes:write': 'write' },
            },
          },
        },
      },
    },
    security: [write],
    paths: {
      '/notes': {
        get: { operationId: 'listNotes', 'x-aauth-access-mode': 'auth-token', security: [read] },
        post: { operationId: 'createNote', 'x-aauth-access-mode': 'auth-token' },
      },
      '/notes/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: { operationId: 'getNote', 'x-aauth-access-mode': 'auth-token', security: [read] },
        delete: { operationId: 'deleteNote', 'x-aauth-access-mode': 'auth-token' },
      },
      '/notes/mine': { get: { operationId: 'getMine', 'x-aauth-access-mode': 'person-token' } },
      '/whoami': { get: { operationId: 'whoami', 'x-aauth-access-mode': 'agent-token' } },
      '/health': { get: { operationId: 'health', security: [] } },
    },
  };
}

function withPaths(paths: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { openapi: '3.0.3', info: { title: 't', version: '1' }, paths, ...extra };
}

function expectTypeError(fn: () => unknown, message: string | RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TypeError);
  if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
  else expect((thrown as Error).message).toMatch(message);
}

const agentDefault: OperationRequirementsOptions = { defaultRequirement: 'agent' };

describe('operationRequirements: declaring requirements once (R3 §3.2–§3.5)', () => {
  it('maps each access mode to a frozen, normalised requirement, in document order', () => {
    const ops = operationRequirements(notesDocument(), agentDefault);
    expect(
      ops.operations.map((o) => [
        o.operationId,
        o.method,
        o.pathTemplate,
        o.accessMode,
        o.requirement.level,
        o.requirement.scopes,
        o.requirement.optional,
      ]),
    ).toEqual([
      ['listNotes', 'GET', '/notes', 'auth-token', 'auth', ['notes:read'], false],
      ['createNote', 'POST', '/notes', 'auth-token', 'auth', ['notes:write'], false],
      ['getNote', 'GET', '/notes/{id}', 'auth-token', 'auth', ['notes:read'], false],
      ['deleteNote', 'DELETE', '/notes/{id}', 'auth-token', 'auth', ['notes:write'], false],
      ['getMine', 'GET', '/notes/mine', 'person-token', 'person', [], false],
      ['whoami', 'GET', '/whoami', 'agent-token', 'agent', [], false],
      ['health', 'GET', '/health', undefined, 'agent', [], false],
    ]);
    expect(Object.isFrozen(ops)).toBe(true);
    expect(Object.isFrozen(ops.operations)).toBe(true);
    for (const o of ops.operations) {
      expect(Object.isFrozen(o)).toBe(true);
      expect(Object.isFrozen(o.requirement)).toBe(true);
      expect(Object.isFrozen(o.requirement.scopes)).toBe(true);
      expect(o.params).toEqual({});
    }
  });

  it('an unannotated operation gets defaultRequirement: open only when the caller chose optional', () => {
    const optional = operationRequirements(notesDocument(), {
      defaultRequirement: { optional: true },
    });
    expect(optional.match('GET', '/health')?.requirement).toMatchObject({
      level: 'agent',
      optional: true,
    });
    const agent = operationRequirements(notesDocument(), agentDefault);
    expect(agent.match('GET', '/health')?.requirement).toMatchObject({
      level: 'agent',
      optional: false,
    });
    // Annotated operations are unaffected by the default.
    expect(optional.match('GET', '/whoami')?.requirement.optional).toBe(false);
  });

  it('takes an auth-token or per-call operation without scopes: its R3 grant is enforced', () => {
    const doc = withPaths({
      '/a': { get: { operationId: 'a', 'x-aauth-access-mode': 'auth-token', security: [] } },
      '/b': { post: { operationId: 'b', 'x-aauth-access-mode': 'per-call' } },
    });
    const ops = operationRequirements(doc, { defaultRequirement: 'agent' });
    expect(ops.match('GET', '/a')?.requirement).toMatchObject({
      level: 'auth',
      scopes: [],
      defer: false,
      operation: { vocabulary: 'urn:aauth:vocabulary:openapi', id: 'a', perCall: false },
    });
    // A per-call operation is held (202) by default (R3 §7).
    expect(ops.match('POST', '/b')?.requirement).toMatchObject({
      level: 'auth',
      defer: true,
      operation: { id: 'b', perCall: true },
    });
  });

  it('options.scopes replace the security scopes; scopesFromSecurity: false ignores security', () => {
    const ops = operationRequirements(notesDocument(), {
      defaultRequirement: 'agent',
      scopes: { listNotes: ['notes:list'] },
    });
    expect(ops.match('GET', '/notes')?.requirement.scopes).toEqual(['notes:list']);
    expect(ops.match('POST', '/notes')?.requirement.scopes).toEqual(['notes:write']);
    const only = operationRequirements(notesDocument(), {
      defaultRequirement: 'agent',
      scopesFromSecurity: false,
      scopes: { listNotes: ['a'], createNote: ['b'], getNote: ['c'], deleteNote: ['d'] },
    });
    expect(only.operations.map((o) => o.requirement.scopes.join())).toEqual([
      'a',
      'b',
      'c',
      'd',
      '',
      '',
      '',
    ]);
  });

  it('security: the union of the FIRST requirement object; later alternatives are ignored', () => {
    const ops = operationRequirements(
      withPaths({
        '/x': {
          get: {
            operationId: 'x',
            'x-aauth-access-mode': 'auth-token',
            security: [{ oauth: ['a', 'b'], openId: ['b', 'c'] }, { oauth: ['z'] }],
          },
        },
      }),
      agentDefault,
    );
    expect(ops.match('GET', '/x')?.requirement.scopes).toEqual(['a', 'b', 'c']);
  });

  it('x-aauth-budget: true alone means auth-token (R3 §3.3)', () => {
    const ops = operationRequirements(
      withPaths({
        '/pay': {
          post: { operationId: 'pay', 'x-aauth-budget': true, security: [{ o: ['pay'] }] },
        },
        '/free': { get: { operationId: 'free', 'x-aauth-budget': false } },
      }),
      agentDefault,
    );
    expect(ops.match('POST', '/pay')).toMatchObject({
      accessMode: 'auth-token',
      requirement: { level: 'auth', scopes: ['pay'] },
    });
    expect(ops.match('GET', '/free')).toMatchObject({
      accessMode: undefined,
      requirement: { level: 'agent' },
    });
  });

  it('per-call: accepted only with explicit options.scopes, enforced as auth-token meanwhile', () => {
    const doc = withPaths({
      '/send': {
        post: {
          operationId: 'send',
          'x-aauth-access-mode': 'per-call',
          security: [{ o: ['mail'] }],
        },
      },
    });
    const ops = operationRequirements(doc, {
      defaultRequirement: 'agent',
      scopes: { send: ['mail:send'] },
    });
    expect(ops.match('POST', '/send')).toMatchObject({
      accessMode: 'per-call',
      requirement: { level: 'auth', scopes: ['mail:send'] },
    });
  });

  it('3.1 documents: paths, webhooks ignored, role names as scopes, no paths at all', () => {
    const ops = operationRequirements(
      {
        openapi: '3.1.0',
        info: { title: 't', version: '1' },
        jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
        webhooks: { newNote: { post: { operationId: 'newNote' } } },
        components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'k' } } },
        paths: {
          '/admin/{id}': {
            patch: {
              operationId: 'adminPatch',
              'x-aauth-access-mode': 'auth-token',
              security: [{ key: ['admin'] }],
            },
          },
        },
      },
      agentDefault,
    );
    expect(ops.operations.map((o) => o.operationId)).toEqual(['adminPatch']);
    expect(ops.match('PATCH', '/admin/7')).toMatchObject({
      operationId: 'adminPatch',
      params: { id: '7' },
      requirement: { level: 'auth', scopes: ['admin'] },
    });
    const empty = operationRequirements(
      { openapi: '3.1.1', info: { title: 't', version: '1' }, webhooks: {} },
      agentDefault,
    );
    expect(empty.operations).toEqual([]);
    expect(empty.match('GET', '/')).toBeUndefined();
  });
});

describe('operationRequirements: matching a request to its operation (R3 §6.4)', () => {
  const ops = operationRequirements(notesDocument(), agentDefault);
  const id = (method: string, target: string) => ops.match(method, target)?.operationId;

  it('templated ids match one non-empty segment and are returned decoded', () => {
    expect(ops.match('GET', '/notes/42')).toMatchObject({
      operationId: 'getNote',
      pathTemplate: '/notes/{id}',
      params: { id: '42' },
    });
    expect(ops.match('DELETE', '/notes/42')?.params).toEqual({ id: '42' });
    expect(Object.isFrozen(ops.match('DELETE', '/notes/42')?.params)).toBe(true);
    expect(id('GET', '/notes/1/2')).toBeUndefined();
    expect(id('GET', '/notes//')).toBeUndefined();
  });

  it('literal segments win over templated ones, per method', () => {
    expect(id('GET', '/notes/mine')).toBe('getMine');
    expect(id('GET', '/notes/mined')).toBe('getNote');
    // No DELETE /notes/mine: the templated DELETE operation is the one addressed.
    expect(ops.match('DELETE', '/notes/mine')).toMatchObject({
      operationId: 'deleteNote',
      params: { id: 'mine' },
    });
  });

  it('segments are percent-decoded for matching only; a malformed encoding matches nothing', () => {
    expect(ops.match('GET', '/notes/a%20b')?.params).toEqual({ id: 'a b' });
    expect(ops.match('GET', '/notes/a%2Fb')?.params).toEqual({ id: 'a/b' });
    expect(id('GET', '/notes/%6Dine')).toBe('getMine');
    expect(id('GET', '/%77hoami')).toBe('whoami');
    expect(id('GET', '/notes/%zz')).toBeUndefined();
    expect(id('GET', '/notes%2Fmine')).toBeUndefined();
  });

  it('one trailing slash is insignificant; empty segments are not', () => {
    expect(id('GET', '/notes/')).toBe('listNotes');
    expect(id('GET', '/notes/42/')).toBe('getNote');
    expect(id('GET', '/notes//')).toBeUndefined();
    expect(id('GET', '//notes')).toBeUndefined();
    const both = operationRequirements(
      withPaths({
        '/a': { get: { operationId: 'a' } },
        '/a/': { get: { operationId: 'aSlash' } },
        '/b/': { get: { operationId: 'bSlash' } },
      }),
      agentDefault,
    );
    expect(both.match('GET', '/a')?.operationId).toBe('a');
    expect(both.match('GET', '/a/')?.operationId).toBe('aSlash');
    expect(both.match('GET', '/b')?.operationId).toBe('bSlash');
  });

  it('ignores the query and fragment; accepts absolute-form targets', () => {
    expect(id('GET', '/notes?limit=10&after=/x')).toBe('listNotes');
    expect(id('GET', '/notes/mine?x=%zz')).toBe('getMine');
    expect(id('GET', '/whoami#frag')).toBe('whoami');
    expect(id('GET', 'https://resource.example/notes/7?q')).toBe('getNote');
    expect(id('GET', 'https://resource.example?q')).toBeUndefined();
    expect(id('OPTIONS', '*')).toBeUndefined();
  });

  it('unknown path or method → undefined; method case-insensitive; HEAD falls back to GET', () => {
    expect(id('GET', '/nope')).toBeUndefined();
    expect(id('GET', '/')).toBeUndefined();
    expect(id('PUT', '/notes')).toBeUndefined();
    expect(id('POST', '/whoami')).toBeUndefined();
    expect(id('get', '/whoami')).toBe('whoami');
    expect(ops.match('HEAD', '/notes/mine')).toMatchObject({
      operationId: 'getMine',
      method: 'GET',
    });
    expect(id('HEAD', '/notes/7')).toBe('getNote');
    expect(ops.match(undefined as unknown as string, '/notes')).toBeUndefined();
    expect(ops.match('GET', 7 as unknown as string)).toBeUndefined();
  });

  it('an explicit HEAD operation wins over the GET fallback', () => {
    const h = operationRequirements(
      withPaths({ '/f': { get: { operationId: 'get' }, head: { operationId: 'head' } } }),
      agentDefault,
    );
    expect(h.match('HEAD', '/f')?.operationId).toBe('head');
  });

  it('strips the servers[0] base path: absolute, relative, with variables, per path and operation', () => {
    const doc = {
      ...notesDocument(),
      servers: [{ url: 'https://api.example/v1/' }, { url: 'https://other.example/v2' }],
    };
    const v1 = operationRequirements(doc, agentDefault);
    expect(v1.match('GET', '/v1/notes/mine')?.operationId).toBe('getMine');
    expect(v1.match('GET', '/v1/notes/7')?.params).toEqual({ id: '7' });
    expect(v1.match('GET', '/notes/mine')).toBeUndefined();
    expect(v1.match('GET', '/v2/notes/mine')).toBeUndefined();
    expect(v1.match('GET', '/v1x/notes')).toBeUndefined();

    const relative = operationRequirements(
      withPaths(
        { '/': { get: { operationId: 'root' } }, '/x': { get: { operationId: 'x' } } },
        { servers: [{ url: '/api/{version}', variables: { version: { default: 'v3' } } }] },
      ),
      agentDefault,
    );
    expect(relative.match('GET', '/api/v3/x')?.operationId).toBe('x');
    expect(relative.match('GET', '/api/v3')?.operationId).toBe('root');
    expect(relative.match('GET', '/api/v3/')?.operationId).toBe('root');
    expect(relative.match('GET', '/x')).toBeUndefined();

    const levels = operationRequirements(
      withPaths(
        {
          '/a': { servers: [{ url: '/path-level' }], get: { operationId: 'a' } },
          '/b': {
            servers: [{ url: '/path-level' }],
            get: { operationId: 'b', servers: [{ url: 'https://x.example/op-level' }] },
          },
          '/c': { get: { operationId: 'c' } },
        },
        { servers: [{ url: 'https://api.example' }] },
      ),
      agentDefault,
    );
    expect(levels.match('GET', '/path-level/a')?.operationId).toBe('a');
    expect(levels.match('GET', '/op-level/b')?.operationId).toBe('b');
    expect(levels.match('GET', '/path-level/b')).toBeUndefined();
    expect(levels.match('GET', '/c')?.operationId).toBe('c');
  });

  it('segments mixing text and templates: one regex per such segment, literal text first', () => {
    const files = operationRequirements(
      withPaths({
        '/files/{name}.{ext}': { get: { operationId: 'anyFile' } },
        '/files/{name}.json': { get: { operationId: 'jsonFile' } },
        '/files/{id}': { get: { operationId: 'file' } },
      }),
      agentDefault,
    );
    expect(files.match('GET', '/files/a.b.json')).toMatchObject({
      operationId: 'jsonFile',
      params: { name: 'a.b' },
    });
    expect(files.match('GET', '/files/a.tar.gz')).toMatchObject({
      operationId: 'anyFile',
      params: { name: 'a', ext: 'tar.gz' },
    });
    expect(files.match('GET', '/files/readme')?.operationId).toBe('file');
    // Every template part is non-empty: `.json` and `x.` fit only the whole-segment template.
    expect(files.match('GET', '/files/.json')?.operationId).toBe('file');
    expect(files.match('GET', '/files/x.')?.operationId).toBe('file');
  });

  it('matches a large document without per-operation work (trie by method and segment)', () => {
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 2000; i++)
      paths[`/r${i}/{id}/s`] = {
        get: { operationId: `op${i}`, 'x-aauth-access-mode': 'person-token' },
      };
    const big = operationRequirements(withPaths(paths), agentDefault);
    expect(big.match('GET', '/r1999/x/s')).toMatchObject({
      operationId: 'op1999',
      params: { id: 'x' },
    });
  });
});

describe('operationRequirements: refused at construction with a TypeError naming the problem', () => {
  const op = (o: Record<string, unknown>) =>
    withPaths({ '/x': { get: { operationId: 'x', ...o } } });
  const cases: [string, unknown, Partial<OperationRequirementsOptions>, string | RegExp][] = [
    [
      'missing operationId',
      withPaths({ '/x': { get: {} } }),
      {},
      'GET /x has no operationId (needed to enforce it)',
    ],
    [
      'empty operationId',
      withPaths({ '/x': { post: { operationId: '' } } }),
      {},
      'POST /x has no operationId (needed to enforce it)',
    ],
    [
      'duplicate operationId',
      withPaths({ '/x': { get: { operationId: 'x' } }, '/y': { put: { operationId: 'x' } } }),
      {},
      'operationId x is used twice (again on PUT /y)',
    ],
    [
      'unknown access mode',
      op({ 'x-aauth-access-mode': 'admin-token' }),
      {},
      'operation x (GET /x): unknown x-aauth-access-mode "admin-token"',
    ],
    [
      'non-string access mode',
      op({ 'x-aauth-access-mode': 1 }),
      {},
      'operation x (GET /x): x-aauth-access-mode must be a string',
    ],
    [
      'session-token',
      op({ 'x-aauth-access-mode': 'session-token' }),
      {},
      'operation x (GET /x): session-token is not supported on operations',
    ],
    [
      'invalid scope in security',
      op({ 'x-aauth-access-mode': 'auth-token', security: [{ o: ['bad"scope'] }] }),
      {},
      'operation x (GET /x): requirement.auth: invalid scope "bad\\"scope"',
    ],
    [
      'malformed security',
      op({ 'x-aauth-access-mode': 'auth-token', security: [{ o: 's' }] }),
      {},
      'operation x (GET /x): security requirement values must be arrays of scopes',
    ],
    [
      'budget with agent-token',
      op({ 'x-aauth-access-mode': 'agent-token', 'x-aauth-budget': true }),
      {},
      'operation x (GET /x): x-aauth-budget: true cannot be combined with agent-token',
    ],
    [
      'budget with person-token',
      op({ 'x-aauth-access-mode': 'person-token', 'x-aauth-budget': true }),
      {},
      /cannot be combined with person-token/,
    ],
    [
      'non-boolean budget',
      op({ 'x-aauth-budget': 'yes' }),
      {},
      'operation x (GET /x): x-aauth-budget must be a boolean',
    ],
    [
      'options.scopes for an unknown operation',
      op({}),
      { scopes: { nope: ['s'] } },
      'options.scopes.nope: no operation has this id',
    ],
    [
      'options.scopes for an agent-token operation',
      op({ 'x-aauth-access-mode': 'agent-token' }),
      { scopes: { x: ['s'] } },
      'options.scopes.x: only auth-token and per-call operations take scopes',
    ],
    [
      'options.scopes for an unannotated operation',
      op({}),
      { scopes: { x: ['s'] } },
      /only auth-token and per-call/,
    ],
    [
      'options.scopes not an array',
      op({}),
      { scopes: { x: 's' as never } },
      'options.scopes.x must be an array of scopes',
    ],
    [
      'scopesFromSecurity not boolean',
      op({}),
      { scopesFromSecurity: 'no' as never },
      'options.scopesFromSecurity must be a boolean',
    ],
    [
      'bad defaultRequirement',
      op({}),
      { defaultRequirement: 'nobody' as never },
      "options.defaultRequirement: requirement must be 'agent', 'person' or an object",
    ],
    [
      'Swagger 2.0',
      { swagger: '2.0', paths: {} },
      {},
      'document.openapi must be 3.0.x or 3.1.x (got undefined)',
    ],
    [
      'OpenAPI 3.2',
      { openapi: '3.2.0', paths: {} },
      {},
      /must be 3\.0\.x or 3\.1\.x \(got "3\.2\.0"\)/,
    ],
    ['not an object', 'openapi: 3.0.3', {}, 'document must be an OpenAPI object'],
    ['3.0 without paths', { openapi: '3.0.3' }, {}, 'document.paths must be an object'],
    [
      'path without leading slash',
      withPaths({ x: { get: { operationId: 'x' } } }),
      {},
      "paths['x']: a path must start with /",
    ],
    [
      '$ref path item',
      withPaths({ '/x': { $ref: '#/components/pathItems/x' } }),
      {},
      /\$ref path items are not supported/,
    ],
    [
      'access mode on the path item',
      withPaths({ '/x': { 'x-aauth-access-mode': 'person-token', get: { operationId: 'x' } } }),
      {},
      /belongs on each operation, not the path item/,
    ],
    [
      'access mode on the document',
      { ...op({}), 'x-aauth-access-mode': 'person-token' },
      {},
      /belongs on operations/,
    ],
    [
      'identical templates',
      withPaths({
        '/n/{id}': { get: { operationId: 'a' } },
        '/n/{noteId}': { get: { operationId: 'b' } },
      }),
      {},
      'GET /n/{noteId} and /n/{id} address the same requests',
    ],
    [
      'repeated template name',
      withPaths({ '/n/{id}/{id}': { get: { operationId: 'a' } } }),
      {},
      /empty or repeated template name \{id\}/,
    ],
    [
      'empty template name',
      withPaths({ '/n/{}': { get: { operationId: 'a' } } }),
      {},
      /empty or repeated template name \{\}/,
    ],
    [
      'adjacent templates',
      withPaths({ '/n/{a}{b}': { get: { operationId: 'a' } } }),
      {},
      /adjacent templates/,
    ],
    [
      'unbalanced braces',
      withPaths({ '/n/{a': { get: { operationId: 'a' } } }),
      {},
      /unbalanced braces/,
    ],
    [
      'malformed percent-encoding in a path',
      withPaths({ '/n/%zz': { get: { operationId: 'a' } } }),
      {},
      /malformed percent-encoding/,
    ],
    [
      'server variable without default',
      withPaths({}, { servers: [{ url: '/{v}' }] }),
      {},
      'document.servers[0]: variable {v} has no default',
    ],
    [
      'server without url',
      withPaths({}, { servers: [{}] }),
      {},
      'document.servers[0].url must be a string',
    ],
    [
      'operation not an object',
      withPaths({ '/x': { get: 'x' } }),
      {},
      'GET /x: the operation must be an object',
    ],
  ];
  it.each(cases)('%s', (_, document, options, message) => {
    expectTypeError(
      () => operationRequirements(document, { defaultRequirement: 'agent', ...options }),
      message,
    );
  });

  it('defaultRequirement is required; options must be an object', () => {
    expectTypeError(
      () => operationRequirements(notesDocument(), {} as OperationRequirementsOptions),
      'options.defaultRequirement is required (the unannotated operations)',
    );
    expectTypeError(
      () => operationRequirements(notesDocument(), undefined as never),
      'options must be an object',
    );
  });

  it('keeps the underlying error as cause', () => {
    try {
      operationRequirements(op({ 'x-aauth-access-mode': 'auth-token' }), {
        defaultRequirement: 'agent',
        scopes: { x: ['bad scope'] },
      });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe(
        'operation x (GET /x): requirement.auth: invalid scope "bad scope"',
      );
      expect((error as Error).cause).toBeInstanceOf(TypeError);
    }
  });

  it('never mutates the document or options', () => {
    const doc = notesDocument();
    const before = JSON.stringify(doc);
    const options = {
      defaultRequirement: { optional: true } as RequirementInput,
      scopes: { listNotes: ['x'] },
    };
    operationRequirements(doc, options);
    expect(JSON.stringify(doc)).toBe(before);
    expect(options.scopes.listNotes).toEqual(['x']);
  });
});

describe('operationRequirements with verify(): declare once, enforce everywhere', () => {
  function challenge(r: VerifyResult) {
    return r.ok
      ? { status: 200, requirement: undefined }
      : { status: r.answer.status, requirement: r.answer.headers['aauth-requirement'] };
  }

  it('an agent token is challenged for a person token on getMine and accepted on whoami', async () => {
    const w = await createWorld();
    const aauth = w.aauth();
    const ops = operationRequirements(notesDocument(), agentDefault);
    const token = await w.agentToken();

    const mineReq = await w.request(token, { path: '/notes/mine?fields=title' });
    const mine = ops.match(mineReq.method, mineReq.target);
    expect(mine?.operationId).toBe('getMine');
    const denied = await aauth.verify(mineReq, mine?.requirement);
    expect(challenge(denied)).toEqual({ status: 401, requirement: 'requirement=person-token' });
    expect(denied.ok === false && denied.code).toBe('person-token');

    const whoReq = await w.request(token, { path: '/whoami' });
    const who = ops.match(whoReq.method, whoReq.target);
    expect(who?.operationId).toBe('whoami');
    const ok = await aauth.verify(whoReq, who?.requirement);
    expect(ok.ok && ok.principal?.agent?.sub).toBe('aauth:assistant@agents.example');

    // The person token the challenge asks for satisfies getMine.
    const personReq = await w.request(await w.personToken(), { path: '/notes/mine' });
    const served = await aauth.verify(personReq, ops.match('GET', personReq.target)?.requirement);
    expect(served.ok && served.principal?.person).toEqual({ iss: w.ps.iss, sub: 'person-1' });
  });
});

describe('operationRequirements: R3 operations on requirements (R3 §6.3)', () => {
  const OPENAPI = 'urn:aauth:vocabulary:openapi';
  const doc = () =>
    withPaths({
      '/notes': {
        get: { operationId: 'listNotes', 'x-aauth-access-mode': 'auth-token', security: [read] },
        post: { operationId: 'createNote', summary: 'Create a note' },
      },
      '/send': { post: { operationId: 'send', 'x-aauth-access-mode': 'per-call' } },
      '/pay': { post: { operationId: 'pay', 'x-aauth-budget': true, security: [write] } },
      '/mine': { get: { operationId: 'mine', 'x-aauth-access-mode': 'person-token' } },
      '/who': { get: { operationId: 'who', 'x-aauth-access-mode': 'agent-token', summary: '' } },
    });

  it('auth-token and per-call operations name their operation; others do not', () => {
    const ops = operationRequirements(doc(), {
      defaultRequirement: 'agent',
      scopes: { send: ['mail:send'] },
    });
    expect(
      ops.operations.map((o) => [o.operationId, o.requirement.operation, o.budget, o.summary]),
    ).toEqual([
      ['listNotes', { vocabulary: OPENAPI, id: 'listNotes', perCall: false }, false, undefined],
      ['createNote', undefined, false, 'Create a note'],
      ['send', { vocabulary: OPENAPI, id: 'send', perCall: true }, false, undefined],
      ['pay', { vocabulary: OPENAPI, id: 'pay', perCall: false }, true, undefined],
      ['mine', undefined, false, undefined],
      ['who', undefined, false, undefined],
    ]);
    for (const o of ops.operations)
      if (o.requirement.operation) expect(Object.isFrozen(o.requirement.operation)).toBe(true);
    // The match for a templated path keeps the operation.
    expect(ops.match('POST', '/send?x=1')?.requirement.operation?.id).toBe('send');
  });

  it('an unannotated operation under an auth default names its operation and keeps the default', () => {
    const ops = operationRequirements(doc(), {
      defaultRequirement: { auth: ['notes:write'], components: ['content-digest'], defer: true },
      scopes: { send: ['mail:send'] },
    });
    expect(ops.match('POST', '/notes')?.requirement).toMatchObject({
      level: 'auth',
      scopes: ['notes:write'],
      components: ['content-digest'],
      defer: true,
      operation: { vocabulary: OPENAPI, id: 'createNote', perCall: false },
    });
    // Under an agent or person default, unannotated operations stay as they were.
    const agent = operationRequirements(doc(), {
      defaultRequirement: 'person',
      scopes: { send: ['mail:send'] },
    });
    expect(agent.match('POST', '/notes')?.requirement).toMatchObject({
      level: 'person',
      operation: undefined,
    });
  });
});
