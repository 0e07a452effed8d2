/**
 * A small Prometheus registry and text exposition (format 0.0.4): counters, gauges and
 * histograms with labels, kept in `Map`s keyed by the label values. Hand-written rather than
 * `prom-client` because the server needs a dozen series and nothing else of it (no default
 * process metrics, no cluster aggregation), and recording must stay a `Map` lookup and an add.
 */

/** Label values, in the order of the metric's label names. */
export type LabelValues = readonly string[];

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** `{a="1",b="2"}`, or `''` without labels. */
export function labelText(names: readonly string[], values: LabelValues, extra = ''): string {
  const parts = names.map((name, i) => `${name}="${escapeLabel(values[i] ?? '')}"`);
  if (extra !== '') parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** A number as Prometheus writes it. */
export function sampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** The `# HELP` and `# TYPE` lines of a metric. */
export function header(name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

interface Series<T> {
  readonly labels: LabelValues;
  value: T;
}

abstract class Metric<T> {
  protected readonly series = new Map<string, Series<T>>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  protected at(labels: LabelValues): Series<T> {
    // One string key per label set: label values never contain U+0000 in practice, and if one
    // did, two label sets would only share a series.
    const key = labels.length === 1 ? labels[0]! : labels.join('\u0000');
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: [...labels], value: this.initial() };
      this.series.set(key, series);
    }
    return series;
  }

  protected abstract initial(): T;
  abstract render(): string;
}

/** A monotonic counter. */
export class Counter extends Metric<number> {
  inc(labels: LabelValues = [], by = 1): void {
    this.at(labels).value += by;
  }

  protected initial(): number {
    return 0;
  }

  render(): string {
    let out = header(this.name, this.help, 'counter');
    for (const s of this.series.values())
      out += `${this.name}${labelText(this.labelNames, s.labels)} ${sampleValue(s.value)}\n`;
    return out;
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric<number> {
  set(labels: LabelValues, value: number): void {
    this.at(labels).value = value;
  }

  add(labels: LabelValues, by: number): void {
    this.at(labels).value += by;
  }

  protected initial(): number {
    return 0;
  }

  render(): string {
    let out = header(this.name, this.help, 'gauge');
    for (const s of this.series.values())
      out += `${this.name}${labelText(this.labelNames, s.labels)} ${sampleValue(s.value)}\n`;
    return out;
  }
}

interface Buckets {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** A histogram with fixed bucket boundaries. */
export class Histogram extends Metric<Buckets> {
  private readonly bounds: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]) {
    super(name, help, labelNames);
    this.bounds = [...bounds].sort((a, b) => a - b);
  }

  observe(labels: LabelValues, value: number): void {
    const buckets = this.at(labels).value;
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    // Counts per bucket, made cumulative when rendered: recording touches one slot.
    if (i < this.bounds.length) buckets.counts[i]!++;
    buckets.sum += value;
    buckets.count++;
  }

  protected initial(): Buckets {
    return { counts: this.bounds.map(() => 0), sum: 0, count: 0 };
  }

  render(): string {
    let out = header(this.name, this.help, 'histogram');
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += s.value.counts[i]!;
        out += `${this.name}_bucket${labelText(this.labelNames, s.labels, `le="${sampleValue(bound)}"`)} ${cumulative}\n`;
      });
      out += `${this.name}_bucket${labelText(this.labelNames, s.labels, 'le="+Inf"')} ${s.value.count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, s.labels)} ${sampleValue(s.value.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, s.labels)} ${s.value.count}\n`;
    }
    return out;
  }
}
