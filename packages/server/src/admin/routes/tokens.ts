/**
 * API tokens: list (records only, never a token or its hash), create (the token is in the answer,
 * once, and nowhere else), revoke. Admin only.
 */
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../auth/authenticate.js';
import {
  ROLES,
  type Role,
  type TokenSpec,
  checkTokenSpec,
  issueToken,
  listTokens,
  revokeToken,
} from '../../auth/tokens.js';
import { HttpProblem } from '../../http/problem.js';
import type { AdminContext } from '../admin-context.js';
import { adminRoute } from '../route.js';
import { FLAG_SET_ID_PATTERN } from '../schemas.js';

/** Longest token lifetime accepted: ten years. */
const MAX_TTL_SECONDS = 315_360_000;

const tokenRecordSchema = {
  type: 'object',
  required: ['id', 'name', 'role', 'flagSets', 'createdAt', 'createdBy', 'hint'],
  properties: {
    id: { type: 'string', description: 'public id, for revoking (`tok_…`)' },
    name: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    flagSets: { type: 'array', items: { type: 'string' } },
    origins: { type: 'array', items: { type: 'string' } },
    rateLimit: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    expiresAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: 'string', format: 'date-time' },
    hint: { type: 'string', description: 'the first characters of the token, to recognise it' },
  },
  additionalProperties: false,
} as const;

interface CreateBody {
  name: string;
  role: Role;
  flagSets?: string[];
  origins?: string[];
  rateLimit?: number;
  ttlSeconds?: number;
}

/** Registers the token routes. */
export function registerTokenRoutes(scope: FastifyInstance, context: AdminContext): void {
  const { state, knownSets } = context;
  const tags = ['tokens'];

  adminRoute(scope, {
    method: 'GET',
    url: '/api/v1/tokens',
    permission: 'admin',
    summary: 'List tokens',
    description: 'Every token record, revoked and expired ones included; never a token or its hash.',
    tags,
    responses: {
      200: {
        description: 'The records',
        schema: {
          type: 'object',
          required: ['tokens'],
          properties: { tokens: { type: 'array', items: tokenRecordSchema } },
          additionalProperties: false,
        },
      },
    },
    errors: [],
    handler: async () => {
      const tokens = await listTokens(state);
      tokens.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
      return { tokens };
    },
  });

  adminRoute<{ Body: CreateBody }>(scope, {
    method: 'POST',
    url: '/api/v1/tokens',
    permission: 'admin',
    summary: 'Create a token',
    description:
      'The answer holds the token: this is the only time it is shown (the server keeps its SHA-256 hash). `editor`: `flagSets` it may write (or `["*"]`); `server` and `client`: exactly one flag set, which must exist; `client` may name browser `origins`.',
    tags,
    body: {
      type: 'object',
      required: ['name', 'role'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 128 },
        role: { type: 'string', enum: [...ROLES] },
        flagSets: {
          type: 'array',
          items: { type: 'string', anyOf: [{ pattern: FLAG_SET_ID_PATTERN }, { const: '*' }] },
          minItems: 1,
          maxItems: 100,
          uniqueItems: true,
        },
        origins: {
          type: 'array',
          items: { type: 'string', pattern: '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$', maxLength: 256 },
          minItems: 1,
          maxItems: 50,
          uniqueItems: true,
          description: 'browser origins allowed to use a client token (`https://app.example.com`)',
        },
        rateLimit: { type: 'integer', minimum: 1, maximum: 100000, description: 'requests per second' },
        ttlSeconds: { type: 'integer', minimum: 1, maximum: MAX_TTL_SECONDS, description: 'lifetime' },
      },
      additionalProperties: false,
    },
    responses: {
      201: {
        description: 'Created; `token` is shown only now',
        schema: {
          type: 'object',
          required: ['token', 'record'],
          properties: { token: { type: 'string' }, record: tokenRecordSchema },
          additionalProperties: false,
        },
      },
    },
    errors: [413, 415, 422],
    handler: async (request, reply) => {
      const spec: TokenSpec = { ...request.body, createdBy: actorOf(request) };
      const problem = checkTokenSpec(spec);
      if (problem !== undefined) {
        const field = problem.slice(0, problem.indexOf(':'));
        throw new HttpProblem(422, 'invalid-token-spec', 'The token does not fit its role', problem, {
          errors: [{ pointer: `/${field}`, field, message: problem.slice(field.length + 2) }],
        });
      }
      if (spec.role === 'server' || spec.role === 'client') {
        const [set] = spec.flagSets!;
        if (!(await knownSets.has(set!))) {
          throw new HttpProblem(
            422,
            'unknown-flag-set',
            'No such flag set',
            `flag set "${set}" does not exist`,
            {
              errors: [
                { pointer: '/flagSets/0', field: 'flagSets', message: `flag set "${set}" does not exist` },
              ],
            },
          );
        }
      }
      const { token, record } = await issueToken(state, spec);
      // The only copy of the token: no cache may keep it.
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ token, record });
    },
  });

  adminRoute<{ Params: { id: string } }>(scope, {
    method: 'DELETE',
    url: '/api/v1/tokens/:id',
    permission: 'admin',
    summary: 'Revoke a token',
    description: 'From the next request on, the token is refused (401). Revoking twice is harmless.',
    tags,
    params: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', pattern: '^tok_[0-9a-f]{16}$' } },
      additionalProperties: false,
    },
    responses: {
      200: {
        description: 'Revoked',
        schema: {
          type: 'object',
          required: ['id', 'revoked'],
          properties: { id: { type: 'string' }, revoked: { type: 'boolean', const: true } },
          additionalProperties: false,
        },
      },
    },
    errors: [404],
    handler: async (request) => {
      const { id } = request.params;
      const revoked = await revokeToken(state, id);
      // At once on this instance; other instances forget within their cache's second.
      context.tokens.forget();
      if (!revoked) {
        throw new HttpProblem(404, 'token-not-found', 'No such token', `no token has id "${id}"`);
      }
      return { id, revoked: true };
    },
  });
}
