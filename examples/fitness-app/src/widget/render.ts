/**
 * Renders the bookings in one of the experiment's layouts. Plain DOM (text via `textContent`, never
 * HTML strings), so booking data cannot inject markup.
 */
import type { Booking } from '../bookings.js';
import type { Layout } from '../flag-keys.js';

/** Everything the widget shows, computed from the host globals and the flags. */
export interface WidgetView {
  /** `undefined` until the host delivers the tool result. */
  bookings: readonly Booking[] | undefined;
  maintenance: boolean;
  layout: Layout;
  /** Why this layout: the flag's reason and variant, shown in the footer for the demo. */
  layoutExplanation: string;
  canCancel: boolean;
  /** Why cancelling is (not) offered: the release flag's reason, shown in the footer. */
  cancelExplanation: string;
  /** Bookings whose cancellation is in flight. */
  pending: ReadonlySet<string>;
  /** The last message from a cancel call. */
  status: string;
  /** Where the flags come from now (`LiveRefresh`'s status), for the footer and the tests. */
  liveStatus: string;
  liveExplanation: string;
}

const DAY_MS = 86_400_000;
const timeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', timeZone: 'UTC' });
const hourFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  node.append(...children);
  return node;
}

function cancelButton(booking: Booking, view: WidgetView, onCancel: (id: string) => void): Node[] {
  if (!view.canCancel) return [];
  const button = el('button', undefined, view.pending.has(booking.id) ? 'Cancelling…' : 'Cancel');
  button.type = 'button';
  button.disabled = view.pending.has(booking.id);
  button.dataset.bookingId = booking.id;
  button.addEventListener('click', () => onCancel(booking.id));
  return [button];
}

function listLayout(
  bookings: readonly Booking[],
  view: WidgetView,
  onCancel: (id: string) => void,
): HTMLElement {
  return el(
    'ul',
    'list',
    undefined,
    ...bookings.map((b) =>
      el(
        'li',
        undefined,
        undefined,
        el('span', 'when', timeFormat.format(new Date(b.startsAt))),
        el('span', 'what', `${b.className} · ${b.instructor} · ${b.studio}`),
        ...cancelButton(b, view, onCancel),
      ),
    ),
  );
}

function cardsLayout(
  bookings: readonly Booking[],
  view: WidgetView,
  onCancel: (id: string) => void,
): HTMLElement {
  return el(
    'div',
    'cards',
    undefined,
    ...bookings.map((b) =>
      el(
        'div',
        'card',
        undefined,
        el('span', 'what', b.className),
        el('span', 'when', `${timeFormat.format(new Date(b.startsAt))} · ${b.durationMinutes} min`),
        el('span', 'where', `${b.instructor} at ${b.studio}`),
        ...cancelButton(b, view, onCancel),
      ),
    ),
  );
}

function calendarLayout(
  bookings: readonly Booking[],
  view: WidgetView,
  onCancel: (id: string) => void,
): HTMLElement {
  const first = Math.min(...bookings.map((b) => Date.parse(b.startsAt)));
  const start = Math.floor(first / DAY_MS) * DAY_MS;
  const days = Array.from({ length: 7 }, (_, i) => start + i * DAY_MS);
  return el(
    'div',
    'calendar',
    undefined,
    ...days.map((day) =>
      el(
        'div',
        'day',
        undefined,
        el('div', 'date', dayFormat.format(new Date(day))),
        ...bookings
          .filter((b) => Math.floor(Date.parse(b.startsAt) / DAY_MS) * DAY_MS === day)
          .map((b) =>
            el(
              'div',
              'slot',
              `${hourFormat.format(new Date(b.startsAt))} ${b.className}`,
              ...cancelButton(b, view, onCancel),
            ),
          ),
      ),
    ),
  );
}

/** Replaces the contents of `root` with the view. */
export function renderWidget(root: HTMLElement, view: WidgetView, onCancel: (id: string) => void): void {
  const children: Node[] = [el('h1', undefined, 'Your bookings')];
  if (view.maintenance) {
    children.push(
      el('div', 'notice warn', 'Bookings are down for maintenance. Please try again in a few minutes.'),
    );
  } else if (view.bookings === undefined) {
    children.push(el('div', 'notice', 'Waiting for your bookings…'));
  } else if (view.bookings.length === 0) {
    children.push(el('div', 'notice', 'You have no upcoming bookings.'));
  } else {
    const layouts = { list: listLayout, cards: cardsLayout, calendar: calendarLayout } as const;
    const layout = el('div', 'bookings', undefined, layouts[view.layout](view.bookings, view, onCancel));
    layout.dataset.layout = view.layout;
    children.push(layout);
  }
  children.push(el('div', 'status', view.status));
  const liveLine = el('div', 'live', view.liveExplanation);
  liveLine.dataset.liveStatus = view.liveStatus;
  children.push(
    el(
      'footer',
      undefined,
      undefined,
      el('div', undefined, view.layoutExplanation),
      el('div', undefined, view.cancelExplanation),
      liveLine,
    ),
  );
  root.replaceChildren(...children);
}
