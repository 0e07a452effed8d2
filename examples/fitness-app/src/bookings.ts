/**
 * The fitness studio's bookings: sample data kept in memory per user, so the example needs no
 * database. Each user starts with the same few classes; cancelling removes one for that user only.
 */

/** One booked class, as the tools return it (also the widget's `toolOutput`). */
export interface Booking {
  /** Stable id, used by `cancel_booking`. */
  readonly id: string;
  /** The class, e.g. `Sunrise Yoga`. */
  readonly className: string;
  readonly instructor: string;
  /** Which of the studio's locations. */
  readonly studio: string;
  /** ISO-8601 start time (UTC). */
  readonly startsAt: string;
  readonly durationMinutes: number;
}

const SAMPLE_BOOKINGS: readonly Booking[] = [
  {
    id: 'bk-101',
    className: 'Sunrise Yoga',
    instructor: 'Maya',
    studio: 'Riverside',
    startsAt: '2026-11-24T06:30:00Z',
    durationMinutes: 60,
  },
  {
    id: 'bk-102',
    className: 'HIIT 45',
    instructor: 'Leo',
    studio: 'Downtown',
    startsAt: '2026-11-25T18:00:00Z',
    durationMinutes: 45,
  },
  {
    id: 'bk-103',
    className: 'Spin Intervals',
    instructor: 'Ana',
    studio: 'Riverside',
    startsAt: '2026-11-27T12:15:00Z',
    durationMinutes: 50,
  },
  {
    id: 'bk-104',
    className: 'Mobility & Stretch',
    instructor: 'Sam',
    studio: 'Harbour',
    startsAt: '2026-11-29T09:00:00Z',
    durationMinutes: 30,
  },
];

/** Users whose bookings are kept; the oldest is forgotten beyond this (a demo must not grow forever). */
const MAX_USERS = 10_000;

/** Per-user bookings held in process. */
export class BookingRepository {
  readonly #byUser = new Map<string, Booking[]>();

  /** The user's upcoming bookings, earliest first. */
  list(userId: string): readonly Booking[] {
    return this.#bookingsOf(userId);
  }

  /** Cancels one booking; returns it, or `undefined` when the user has no booking with that id. */
  cancel(userId: string, bookingId: string): Booking | undefined {
    const bookings = this.#bookingsOf(userId);
    const index = bookings.findIndex((booking) => booking.id === bookingId);
    if (index < 0) return undefined;
    const [cancelled] = bookings.splice(index, 1);
    return cancelled;
  }

  #bookingsOf(userId: string): Booking[] {
    let bookings = this.#byUser.get(userId);
    if (!bookings) {
      bookings = [...SAMPLE_BOOKINGS];
      if (this.#byUser.size >= MAX_USERS) {
        const oldest = this.#byUser.keys().next().value;
        if (oldest !== undefined) this.#byUser.delete(oldest);
      }
      this.#byUser.set(userId, bookings);
    }
    return bookings;
  }
}
