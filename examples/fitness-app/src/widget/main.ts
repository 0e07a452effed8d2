/**
 * The widget's script (runs in the host's iframe). Data comes from the tool result's
 * `structuredContent` (ChatGPT's `window.openai.toolOutput`, or the MCP Apps tool-result message);
 * flags come from the tool result's `_meta` through Ensign's web provider, read with the ordinary
 * OpenFeature web SDK, and, while the widget stays open, from the Ensign server's OFREP event
 * stream (`LiveRefresh`), so a kill switch reaches it without a new tool call. Re-renders when the
 * host delivers a new tool result and when the flags change (`PROVIDER_CONFIGURATION_CHANGED`).
 */
import { LiveRefresh, type LiveRefreshStatus } from '@ensign/widget-provider/live';
import { WidgetFlagProvider } from '@ensign/widget-provider/widget';
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import type { Booking } from '../bookings.js';
import {
  BOOKING_LAYOUT,
  CANCEL_BOOKING,
  LAYOUTS,
  type Layout,
  REFRESH_TOOL,
  WIDGET_FLAGS,
} from '../flag-keys.js';
import { connectHost } from './host-bridge.js';
import { renderWidget } from './render.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Variants are persisted in widget state so that reopening an old message shows the layout it
// showed then. The model can read widget state; layout names are fine for it to see. The provider
// is set before the host bridge connects, so it cannot miss an MCP Apps tool-result message.
const provider = new WidgetFlagProvider({ persistToWidgetState: true });
OpenFeature.setProvider(provider);
const flags = OpenFeature.getClient();
const host = connectHost();
// Opt in to live refresh (a second entry, loaded only by widgets that want it). The app-only
// refresh tool renews a refused token, and stands in for the stream where the host blocks it.
const live = new LiveRefresh(provider, { refreshTool: () => host.callTool(REFRESH_TOOL, {}) });

const LIVE_EXPLANATIONS: Readonly<Record<LiveRefreshStatus, string>> = {
  off: 'from the tool result',
  connecting: 'from the tool result, connecting for live changes',
  live: 'live (OFREP event stream)',
  retrying: 'last received; reconnecting',
  unauthorized: 'last received; live refresh refused (token expired or revoked)',
  blocked: 'from the tool result (this host does not let the widget connect out)',
};

const pending = new Set<string>();
/** Cancelled since the last tool result, hidden until the host delivers a fresh list. */
const cancelled = new Set<string>();
let status = '';

function currentLayout(): { layout: Layout; explanation: string } {
  const details = flags.getStringDetails(BOOKING_LAYOUT, WIDGET_FLAGS[BOOKING_LAYOUT]);
  const layout = (LAYOUTS as readonly string[]).includes(details.value) ? (details.value as Layout) : 'list';
  const variant = details.variant ? `, variant ${details.variant}` : '';
  return {
    layout,
    explanation: `Layout: ${layout} (experiment ${BOOKING_LAYOUT}: ${details.reason}${variant})`,
  };
}

function cancelState(): { canCancel: boolean; cancelExplanation: string } {
  const details = flags.getBooleanDetails(CANCEL_BOOKING, WIDGET_FLAGS[CANCEL_BOOKING]);
  const variant = details.variant ? `, variant ${details.variant}` : '';
  return {
    canCancel: details.value,
    cancelExplanation: `Cancel here: ${details.value ? 'available' : 'not yet'} (release ${CANCEL_BOOKING}: ${details.reason}${variant})`,
  };
}

function bookingsFrom(output: unknown): { bookings: readonly Booking[] | undefined; maintenance: boolean } {
  if (!isRecord(output)) return { bookings: undefined, maintenance: false };
  const bookings = Array.isArray(output.bookings) ? (output.bookings as Booking[]) : undefined;
  return {
    bookings: bookings?.filter((b) => !cancelled.has(b.id)),
    maintenance: output.maintenance === true,
  };
}

/** The message of a tool result, whichever shape the host returns it in. */
function resultText(result: unknown): string {
  if (!isRecord(result)) return '';
  const content = Array.isArray(result.content) ? result.content : [];
  const texts = content.filter(isRecord).map((part) => (typeof part.text === 'string' ? part.text : ''));
  if (texts.length > 0) return texts.join(' ');
  return typeof result.result === 'string' ? result.result : '';
}

async function cancel(bookingId: string): Promise<void> {
  pending.add(bookingId);
  render();
  try {
    const result = await host.callTool('cancel_booking', { bookingId });
    const structured = isRecord(result) ? result.structuredContent : undefined;
    if (isRecord(structured) && structured.cancelled === true) cancelled.add(bookingId);
    status = resultText(result) || 'Done.';
  } catch (error) {
    status = `Could not cancel: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    pending.delete(bookingId);
    render();
  }
}

function render(): void {
  const root = document.getElementById('root');
  if (!root) return;
  const theme = host.theme();
  if (theme) document.documentElement.dataset.theme = theme;
  document.documentElement.dataset.host = host.kind;
  const { layout, explanation } = currentLayout();
  renderWidget(
    root,
    {
      ...bookingsFrom(host.toolOutput()),
      layout,
      layoutExplanation: explanation,
      ...cancelState(),
      pending,
      status,
      liveStatus: live.status,
      liveExplanation: `Flags: ${LIVE_EXPLANATIONS[live.status]}`,
    },
    (id) => void cancel(id),
  );
}

flags.addHandler(ProviderEvents.Ready, render);
flags.addHandler(ProviderEvents.ConfigurationChanged, render);
live.onStatus(render);
host.onChange((newResult) => {
  // A new tool result starts a fresh view (the server's list already lacks what was cancelled);
  // other changes (theme, widget state) keep the status.
  if (newResult) {
    status = '';
    cancelled.clear();
  }
  render();
});
render();
