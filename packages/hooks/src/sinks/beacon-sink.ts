/**
 * Browser sink that posts batches with `navigator.sendBeacon`, which survives page unload.
 * No Node APIs in this file.
 */
import type { AnalyticsEvent } from '../events.js';
import type { Sink } from './sink.js';

/** Options of {@link BeaconSink}. */
export interface BeaconSinkOptions {
  /** Where batches are posted (a JSON array of events). */
  url: string;
  /** The transport. @default navigator.sendBeacon */
  sendBeacon?: (url: string, body: string) => boolean;
  /** Larger payloads are split in halves (browsers cap a beacon at about 64 KiB). @default 60000 */
  maxBytes?: number;
}

/**
 * Posts each batch as one JSON array (split when too large). A refused beacon (the browser's
 * beacon quota is full) fails the batch, which the pipeline counts as dropped.
 * @example new BeaconSink({ url: '/api/exposures' })
 */
export class BeaconSink implements Sink {
  readonly name = 'BeaconSink';
  private readonly send: (url: string, body: string) => boolean;
  private readonly maxBytes: number;
  private readonly encoder = new TextEncoder();

  constructor(private readonly options: BeaconSinkOptions) {
    if (typeof options?.url !== 'string' || options.url === '')
      throw new TypeError('BeaconSink: option `url` is required');
    const nav = (globalThis as { navigator?: { sendBeacon?: (url: string, body: string) => boolean } })
      .navigator;
    const send =
      options.sendBeacon ??
      (nav?.sendBeacon ? (url: string, body: string) => nav.sendBeacon!(url, body) : undefined);
    if (send === undefined) {
      throw new TypeError('BeaconSink: navigator.sendBeacon is not available here; pass option `sendBeacon`');
    }
    this.send = send;
    this.maxBytes = options.maxBytes ?? 60_000;
  }

  write(batch: readonly AnalyticsEvent[]): void {
    this.post(batch);
  }

  private post(batch: readonly AnalyticsEvent[]): void {
    const body = JSON.stringify(batch);
    if (batch.length > 1 && this.encoder.encode(body).length > this.maxBytes) {
      const half = Math.ceil(batch.length / 2);
      this.post(batch.slice(0, half));
      this.post(batch.slice(half));
      return;
    }
    if (!this.send(this.options.url, body)) {
      throw new Error(
        `BeaconSink: the browser refused a beacon of ${batch.length} event(s) to ${this.options.url}`,
      );
    }
  }
}
