/**
 * The lifecycle report through the admin API: the report itself, the upload of a code scan (so
 * the report tells "ready for code removal" from "ready to archive"), sending the report to the
 * set's webhooks now, and the OpenFeature CLI's manifest endpoint
 * (`openfeature pull --provider-url <server>/api/v1/flag-sets/<set>`).
 */
import {
  type CodeReferenceSummary,
  type LifecyclePolicy,
  lifecycleReportOf,
  loadCodeReferences,
  manifestEnvelopeOf,
  saveCodeReferences,
} from '@ensign/lifecycle';
import type { FastifyInstance } from 'fastify';
import { adminRoute } from '../admin/route.js';
import { setParams } from '../admin/schemas.js';
import type { ServerContext } from '../context.js';
import type { KnownFlagSets } from '../flag-sets/known-sets.js';
import { HttpProblem } from '../http/problem.js';
import type { RetryPolicy } from '../webhooks/deliver.js';
import { deliverReport } from './deliver-report.js';
import {
  codeReferencesBody,
  codeReferencesSchema,
  lifecycleReportSchema,
  manifestSchema,
  notifyResultSchema,
} from './schemas.js';

/** What the report routes need besides the context. */
export interface ReportRouteOptions {
  readonly policy: LifecyclePolicy;
  readonly historyLimit: number;
  readonly retry: RetryPolicy;
  readonly deliveryHistory: number;
}

const tags = ['lifecycle'];

/** Registers the report, the code scan upload, the manual send and the manifest. */
export function registerReportRoutes(
  scope: FastifyInstance,
  context: ServerContext,
  knownSets: KnownFlagSets,
  options: ReportRouteOptions,
): void {
  const { store, state } = context;
  const reportOf = (set: string) =>
    lifecycleReportOf(store, state, set, { policy: options.policy, historyLimit: options.historyLimit });

  adminRoute<{ Params: { set: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/lifecycle',
    permission: 'read',
    summary: 'The lifecycle report: what is stale and why, what is ready for code removal or archiving',
    description:
      "Each flag's status (new, active, launched, inactive, expired) and stage (live, stale, ready-for-code-removal, ready-to-archive, permanent) with reasons and owner, from its kind, age, expiresAt, changes (audit log), evaluations (the metric aggregates) and the latest code scan; keys evaluated that the set lacks (unknown flags); archived flags.",
    tags,
    params: setParams,
    responses: { 200: { description: 'The report', schema: lifecycleReportSchema } },
    errors: [404],
    handler: async (request) => {
      await knownSets.require(request.params.set);
      return reportOf(request.params.set);
    },
  });

  adminRoute<{ Params: { set: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/lifecycle/code-references',
    permission: 'read',
    summary: 'The latest code scan uploaded for the set',
    tags,
    params: setParams,
    responses: { 200: { description: 'The scan', schema: codeReferencesSchema } },
    errors: [404],
    handler: async (request) => {
      const { set } = request.params;
      await knownSets.require(set);
      const scan = await loadCodeReferences(state, set);
      if (scan === undefined)
        throw new HttpProblem(
          404,
          'no-code-scan',
          'No code scan was uploaded for this set',
          `upload one with: ensign refs --upload --set ${set}`,
          { flagSet: set },
        );
      return scan;
    },
  });

  adminRoute<{
    Params: { set: string };
    Body: Omit<CodeReferenceSummary, 'scannedAt'> & { scannedAt?: string };
  }>(scope, {
    method: 'PUT',
    url: '/api/v1/flag-sets/:set/lifecycle/code-references',
    permission: 'write',
    summary: "Keep a code scan as the set's latest (`ensign refs --upload`)",
    description:
      'References per flag key (0 included: scanned, none found) and per missing key. The report then says `ready-to-archive` for launched or inactive flags with no reference left.',
    tags,
    params: setParams,
    body: codeReferencesBody,
    responses: { 200: { description: 'Kept', schema: codeReferencesSchema } },
    errors: [404, 413, 415],
    handler: async (request) => {
      const { set } = request.params;
      await knownSets.require(set);
      const summary: CodeReferenceSummary = {
        ...request.body,
        scannedAt: request.body.scannedAt ?? new Date().toISOString(),
      };
      await saveCodeReferences(state, set, summary);
      return summary;
    },
  });

  adminRoute<{ Params: { set: string } }>(scope, {
    method: 'POST',
    url: '/api/v1/flag-sets/:set/lifecycle/notify',
    permission: 'write',
    summary: 'Send the lifecycle report to the set’s webhooks now',
    description:
      'To every webhook subscribed to `lifecycle.report` (or `*`) for the set, signed like every delivery, one attempt each (a failure is listed under the webhook’s failures, redeliverable). The weekly report sends the same.',
    tags,
    params: setParams,
    responses: { 200: { description: 'What was delivered', schema: notifyResultSchema } },
    errors: [404],
    handler: async (request) => {
      const { set } = request.params;
      await knownSets.require(set);
      const report = await reportOf(set);
      const never = new AbortController().signal;
      const deliveries = await deliverReport(
        {
          state,
          policy: { ...options.retry, maxAttempts: 1 },
          deliveryHistory: options.deliveryHistory,
          signals: { stopping: never, abort: never },
        },
        report,
        `manual-${Date.now()}`,
      );
      return { flagSet: set, deliveries };
    },
  });

  adminRoute<{ Params: { set: string } }>(scope, {
    method: 'GET',
    url: '/api/v1/flag-sets/:set/openfeature/v0/manifest',
    permission: 'read',
    summary: "The set as an OpenFeature CLI manifest (the CLI's sync API)",
    description:
      '`openfeature pull --provider-url <server>/api/v1/flag-sets/<set> --auth-token <token>` writes it as a manifest for `openfeature generate`. Each flag with its type (`integer` or `float` for numbers), the default its accessor passes (the off variant, else the default variant) and `description` metadata. Read-only: `X-Manifest-Capabilities: read`.',
    tags,
    params: setParams,
    responses: { 200: { description: 'The manifest', schema: manifestSchema } },
    errors: [404],
    handler: async (request, reply) => {
      const { set } = request.params;
      await knownSets.require(set);
      reply.header('x-manifest-capabilities', 'read');
      return manifestEnvelopeOf((await store.load(set)).document);
    },
  });
}
