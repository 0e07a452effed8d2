/**
 * The MCP server: two tools and the widget they render. Every flag is checked inside a tool
 * handler, for the calling user, on every call: ChatGPT freezes the tool list when the app is
 * connected, so hiding a tool per user or per rollout would not work there.
 */
import { mintWidgetToken } from '@ensign/server/widget-token';
import {
  type AttachWidgetFlagsOptions,
  type WidgetFlagsPayload,
  attachWidgetFlags,
  contextFromMcpRequest,
  evaluateWidgetFlags,
} from '@ensign/widget-provider/server';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Client, EvaluationContext } from '@openfeature/server-sdk';
import { z } from 'zod';
import type { Booking, BookingRepository } from './bookings.js';
import { BOOKINGS_ENABLED, CANCEL_BOOKING, FLAG_SET, REFRESH_TOOL, WIDGET_FLAGS } from './flag-keys.js';

/** The widget's resource URI, referenced by `list_bookings` through `openai/outputTemplate`. */
export const WIDGET_URI = 'ui://fitness/bookings.html';
/** The Apps SDK's MIME type for a widget template. */
export const WIDGET_MIME_TYPE = 'text/html+skybridge';
/**
 * The same widget for hosts of the open MCP Apps standard, referenced by `_meta.ui.resourceUri`.
 * A resource has one MIME type, so the standard's gets its own URI.
 */
export const MCP_APP_URI = 'ui://fitness/bookings.mcp-app.html';
/** The MCP Apps MIME type for an HTML view. */
export const MCP_APP_MIME_TYPE = 'text/html;profile=mcp-app';

/** The answer of every tool while the kill switch is active. */
export const MAINTENANCE_MESSAGE =
  'Bookings are down for maintenance right now. Please try again in a few minutes.';
/** The answer of `cancel_booking` for users outside the `cancel-booking` rollout. */
export const CANCEL_NOT_AVAILABLE_MESSAGE =
  'Cancelling a booking from ChatGPT is not available for you yet. You can cancel it in the studio app.';

/** Used as the bookings owner when the request names no user (no subject, session or auth). */
const ANONYMOUS_USER = 'anonymous';

/**
 * Live refresh of open widgets: the Ensign server whose OFREP endpoint widgets may refresh their
 * flags from, and the secret widget tokens are sealed with (the server's `widgetSecret`).
 */
export interface LiveFlagsOptions {
  /** The Ensign server as the widget reaches it, e.g. `https://flags.example.com`. */
  url: string;
  /** The server's `widgetSecret` (at least 32 characters): from a secret store, never in code. */
  widgetSecret: string;
  /**
   * Lifetime of a widget token; the widget renews it through `refresh_widget_flags` when refused.
   * @default 300
   */
  tokenTtlSeconds?: number;
}

/** What {@link createFitnessServer} needs. */
export interface FitnessServerOptions {
  /** The OpenFeature client every flag is evaluated through (so hooks run). */
  flags: Client;
  /** Where the users' bookings live. */
  bookings: BookingRepository;
  /** The widget's HTML, read when a host fetches the `ui://` resource. */
  widgetHtml: () => Promise<string>;
  /** Let open widgets follow flag changes from the Ensign server. @default undefined: tool results only */
  live?: LiveFlagsOptions | undefined;
}

/** What `list_bookings` returns as `structuredContent` (the widget's `toolOutput`). */
export interface ListBookingsOutput {
  /** The caller's upcoming bookings; empty in maintenance. */
  bookings: readonly Booking[];
  /** `true` while the kill switch is active: no bookings are shown. */
  maintenance: boolean;
}

const text = (message: string): CallToolResult['content'] => [{ type: 'text', text: message }];

function maintenance(): CallToolResult {
  const structuredContent: ListBookingsOutput = { bookings: [], maintenance: true };
  return { content: text(MAINTENANCE_MESSAGE), structuredContent: { ...structuredContent } };
}

/**
 * Whether the bookings feature is up for this request. The kill switch `bookings-enabled` is
 * evaluated with the default `false`, so that disabling the flag (reason `DISABLED`: the caller's default) turns the
 * feature off, as does a missing or broken flag: it fails safe.
 */
async function bookingsUp(flags: Client, context: EvaluationContext): Promise<boolean> {
  return flags.getBooleanValue(BOOKINGS_ENABLED, false, context);
}

function summarize(bookings: readonly Booking[]): string {
  if (bookings.length === 0) return 'You have no upcoming bookings.';
  const lines = bookings.map(
    (b) => `- ${b.className} with ${b.instructor} at ${b.studio}, ${b.startsAt} (id ${b.id})`,
  );
  return `You have ${bookings.length} upcoming booking${bookings.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

/**
 * The live section of a tool result: a widget token for exactly the flags of `payload` and the
 * context they were evaluated with, sealed (the widget cannot read or change the context).
 */
function liveSection(
  live: LiveFlagsOptions | undefined,
  payload: WidgetFlagsPayload,
  context: EvaluationContext,
): AttachWidgetFlagsOptions {
  if (!live) return {};
  const token = mintWidgetToken({
    secret: live.widgetSecret,
    flagSet: FLAG_SET,
    flags: Object.keys(payload.flags),
    context,
    ...(live.tokenTtlSeconds !== undefined && { ttlSeconds: live.tokenTtlSeconds }),
  });
  return { live: { url: live.url, token } };
}

/**
 * Builds the fitness-booking MCP server. One instance per connection (or per HTTP request in
 * stateless mode); the flags client and bookings are shared.
 */
export function createFitnessServer(options: FitnessServerOptions): McpServer {
  const { flags, bookings, live } = options;
  const server = new McpServer({ name: 'ensign-fitness', version: '0.1.0' });
  // The widget connects to the Ensign server's origin (OFREP) when live refresh is on, and to
  // nothing else: hosts build the frame's CSP from these declarations.
  const connectDomains = live ? [new URL(live.url).origin] : [];

  const widgetDescription = 'Shows the user’s upcoming fitness class bookings.';
  server.registerResource(
    'bookings-widget',
    WIDGET_URI,
    { title: 'Your bookings', description: widgetDescription, mimeType: WIDGET_MIME_TYPE },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: WIDGET_MIME_TYPE,
          text: await options.widgetHtml(),
          _meta: {
            'openai/widgetDescription': widgetDescription,
            'openai/widgetPrefersBorder': true,
            // Script and styles are inline; the only origin it fetches from is the OFREP server's.
            'openai/widgetCSP': { connect_domains: connectDomains, resource_domains: [] },
          },
        },
      ],
    }),
  );
  server.registerResource(
    'bookings-mcp-app',
    MCP_APP_URI,
    { title: 'Your bookings', description: widgetDescription, mimeType: MCP_APP_MIME_TYPE },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: MCP_APP_MIME_TYPE,
          text: await options.widgetHtml(),
          _meta: { ui: { prefersBorder: true, csp: { connectDomains, resourceDomains: [] } } },
        },
      ],
    }),
  );

  server.registerTool(
    'list_bookings',
    {
      title: 'List my bookings',
      description: 'Lists the user’s upcoming fitness class bookings and shows them in a widget.',
      annotations: { readOnlyHint: true },
      _meta: {
        'openai/outputTemplate': WIDGET_URI,
        ui: { resourceUri: MCP_APP_URI },
        // The widget calls cancel_booking itself (the Cancel button).
        'openai/widgetAccessible': true,
        'openai/toolInvocation/invoking': 'Looking up your bookings…',
        'openai/toolInvocation/invoked': 'Here are your bookings',
      },
    },
    async (extra) => {
      const context = contextFromMcpRequest(extra);
      if (!(await bookingsUp(flags, context))) return maintenance();
      const list = bookings.list(context.targetingKey ?? ANONYMOUS_USER);
      const payload = await evaluateWidgetFlags(flags, WIDGET_FLAGS, context);
      const structuredContent: ListBookingsOutput = { bookings: list, maintenance: false };
      return attachWidgetFlags(
        { content: text(summarize(list)), structuredContent: { ...structuredContent } },
        payload,
        liveSection(live, payload, context),
      );
    },
  );

  // App-only (hidden from the model): the widget calls it through the host to renew a refused
  // widget token, and, on hosts that do not let widgets connect out, to refresh its flags.
  server.registerTool(
    REFRESH_TOOL,
    {
      title: 'Refresh the bookings widget’s flags',
      description: 'Called by the bookings widget itself to refresh its feature flags. Not for the model.',
      annotations: { readOnlyHint: true },
      _meta: {
        ui: { visibility: ['app'] },
        'openai/visibility': 'private',
        'openai/widgetAccessible': true,
      },
    },
    async (extra) => {
      const context = contextFromMcpRequest(extra);
      const payload = await evaluateWidgetFlags(flags, WIDGET_FLAGS, context);
      return attachWidgetFlags(
        { content: text('Widget flags refreshed.'), structuredContent: {} },
        payload,
        liveSection(live, payload, context),
      );
    },
  );

  server.registerTool(
    'cancel_booking',
    {
      title: 'Cancel a booking',
      description: 'Cancels one of the user’s upcoming bookings, by booking id (from list_bookings).',
      inputSchema: { bookingId: z.string().min(1).describe('The booking id, e.g. bk-101') },
      annotations: { destructiveHint: true, idempotentHint: true },
      _meta: {
        'openai/toolInvocation/invoking': 'Cancelling…',
        'openai/toolInvocation/invoked': 'Done',
      },
    },
    async ({ bookingId }, extra) => {
      const context = contextFromMcpRequest(extra);
      if (!(await bookingsUp(flags, context))) return maintenance();
      // The release flag: the tool stays listed for everyone; users outside the rollout get an answer.
      if (!(await flags.getBooleanValue(CANCEL_BOOKING, false, context))) {
        return {
          content: text(CANCEL_NOT_AVAILABLE_MESSAGE),
          structuredContent: { cancelled: false, available: false },
        };
      }
      const cancelled = bookings.cancel(context.targetingKey ?? ANONYMOUS_USER, bookingId);
      if (!cancelled) {
        return {
          content: text(`There is no upcoming booking with id ${bookingId}.`),
          structuredContent: { cancelled: false, available: true },
          isError: true,
        };
      }
      return {
        content: text(`Cancelled ${cancelled.className} on ${cancelled.startsAt}.`),
        structuredContent: { cancelled: true, available: true, booking: { ...cancelled } },
      };
    },
  );

  return server;
}
