/**
 * Declaring an admin route in one place: method, path, permission, schemas (params, query,
 * headers, body, each success answer) and the problems it may answer. The permission goes to
 * the auth hook (route config) and, as `x-permission`, to the OpenAPI document.
 */
import type {
  FastifyInstance,
  FastifySchema,
  HTTPMethods,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify';
import type { Permission } from '../auth/permissions.js';
import { problemResponses } from '../http/schemas.js';

/** Error statuses every authenticated route can answer. */
const AUTH_ERRORS = [400, 401, 403, 429] as const;

/** One admin route. */
export interface AdminRouteSpec<Generic extends RouteGenericInterface> {
  method: HTTPMethods;
  url: string;
  permission: Permission;
  /** One line for the OpenAPI document. */
  summary: string;
  description?: string;
  tags: string[];
  params?: object;
  querystring?: object;
  headers?: object;
  body?: object;
  /** Success answers by status: a JSON schema, or `null` for an empty body. */
  responses: Record<number, { description: string; schema: object | null }>;
  /** Problem statuses beyond 400, 401, 403 and 429. */
  errors: number[];
  handler: RouteHandlerMethod<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    Generic
  >;
}

/** Registers an admin route. */
export function adminRoute<Generic extends RouteGenericInterface>(
  scope: FastifyInstance,
  spec: AdminRouteSpec<Generic>,
): void {
  const response: Record<number, unknown> = {};
  for (const [status, answer] of Object.entries(spec.responses)) {
    response[Number(status)] =
      answer.schema === null
        ? { description: answer.description, type: 'null' }
        : { description: answer.description, content: { 'application/json': { schema: answer.schema } } };
  }
  Object.assign(response, problemResponses([...AUTH_ERRORS, ...spec.errors].sort((a, b) => a - b)));
  // `x-` keys are not validation: @fastify/swagger copies them into the operation.
  const schema: FastifySchema & Record<`x-${string}`, unknown> = {
    summary: spec.summary,
    ...(spec.description !== undefined && { description: spec.description }),
    tags: spec.tags,
    'x-permission': spec.permission,
    ...(spec.params && { params: spec.params }),
    ...(spec.querystring && { querystring: spec.querystring }),
    ...(spec.headers && { headers: spec.headers }),
    ...(spec.body && { body: spec.body }),
    response,
  };
  scope.route<Generic>({
    method: spec.method,
    url: spec.url,
    config: { permission: spec.permission },
    schema,
    handler: spec.handler,
  });
}
