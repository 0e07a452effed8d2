/**
 * The flags this app reads, in one place so the tool handlers and the widget cannot disagree.
 * Their definitions live in the flag set (`examples/flags/fitness.flags.json`).
 */
import type { WidgetFlagDefaults } from '@ensign/widget-provider/server';

/** The flag set the app reads from the store. */
export const FLAG_SET = 'fitness';

/** Release flag, rolled out by percentage: may this user cancel a booking from ChatGPT? */
export const CANCEL_BOOKING = 'cancel-booking';
/** Experiment: how the widget lays out the bookings (`list`, `cards`, `calendar`). */
export const BOOKING_LAYOUT = 'booking-layout';
/**
 * Kill switch for every bookings tool, named for what `true` means: bookings are enabled. Disabling
 * the flag (or moving its default variant to `off`) puts the tools into maintenance on the next
 * call. Named positively so that `bookings-enabled true` in a table reads as "working", and so that
 * a development override such as `FEATURE_FLAGS_OVERRIDE=enable-all` keeps bookings up.
 */
export const BOOKINGS_ENABLED = 'bookings-enabled';

/**
 * The flags handed to the widget in the tool result's `_meta`, with the widget's defaults. Both
 * are marked `clientSide` in the flag set; the kill switch is not, and stays on the server.
 */
export const WIDGET_FLAGS = {
  [BOOKING_LAYOUT]: 'list',
  [CANCEL_BOOKING]: false,
} as const satisfies WidgetFlagDefaults;

/**
 * The app-only tool (hidden from the model) the widget calls through the host to refresh its
 * flags: to renew a refused widget token, and on hosts that block the widget's connections.
 */
export const REFRESH_TOOL = 'refresh_widget_flags';

/** The layouts the widget knows; anything else falls back to `list`. */
export const LAYOUTS = ['list', 'cards', 'calendar'] as const;
/** One of {@link LAYOUTS}. */
export type Layout = (typeof LAYOUTS)[number];
