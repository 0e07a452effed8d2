/**
 * The real OpenTelemetry SDKs with in-memory exporters, for tests (and the hooks benchmark): a
 * `MeterProvider` whose metrics are collected on demand, and a tracer provider with the async
 * context manager, so `trace.getActiveSpan()` works across the OpenFeature SDK's awaits.
 * Test support only; it lives here because these SDKs are this package's dev dependencies.
 */
import { type Meter, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** One data point as a test reads it. */
export interface Point {
  attributes: Record<string, unknown>;
  /** Sums and gauges: the value; histograms: the count. */
  value: number;
  /** Histograms only. */
  histogram?: { count: number; sum: number; buckets: { boundaries: number[]; counts: number[] } };
}

/** One collected metric. */
export interface Collected {
  name: string;
  unit: string;
  type: string;
  points: Point[];
}

/** A meter backed by the real SDK, and a way to collect what it recorded. */
export interface MetricsHarness {
  readonly meter: Meter;
  readonly provider: MeterProvider;
  /** Collects now (cumulative temporality) and returns every metric with at least one point. */
  collect(): Promise<Map<string, Collected>>;
  shutdown(): Promise<void>;
}

/**
 * @param exportIntervalMillis how often the SDK collects by itself; by default so rarely that
 * collections happen only when the test asks (`collect()`). The benchmark collects every second,
 * as an exporter would.
 */
export function metricsHarness(exportIntervalMillis = 3_600_000): MetricsHarness {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('test'),
    provider,
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      const out = new Map<string, Collected>();
      for (const resource of exporter.getMetrics())
        for (const scope of resource.scopeMetrics)
          for (const metric of scope.metrics) {
            const points: Point[] = metric.dataPoints.map((p) => {
              if (metric.dataPointType === DataPointType.HISTOGRAM) {
                const h = p.value as {
                  count: number;
                  sum?: number;
                  buckets: { boundaries: number[]; counts: number[] };
                };
                return {
                  attributes: { ...p.attributes },
                  value: h.count,
                  histogram: { count: h.count, sum: h.sum ?? 0, buckets: h.buckets },
                };
              }
              return { attributes: { ...p.attributes }, value: p.value as number };
            });
            out.set(metric.descriptor.name, {
              name: metric.descriptor.name,
              unit: metric.descriptor.unit,
              type: DataPointType[metric.dataPointType],
              points,
            });
          }
      return out;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** The points of `name` whose attributes include `match`. */
export function pointsOf(
  metrics: Map<string, Collected>,
  name: string,
  match: Record<string, unknown> = {},
): Point[] {
  return (metrics.get(name)?.points ?? []).filter((p) =>
    Object.entries(match).every(([k, v]) => p.attributes[k] === v),
  );
}

/** The sum of the values of `name`'s points that match. */
export function total(
  metrics: Map<string, Collected>,
  name: string,
  match: Record<string, unknown> = {},
): number {
  return pointsOf(metrics, name, match).reduce((sum, p) => sum + p.value, 0);
}

/** A global tracer provider with an in-memory exporter and the async-hooks context manager. */
export interface TracingHarness {
  readonly exporter: InMemorySpanExporter;
  finished(): ReadableSpan[];
  shutdown(): Promise<void>;
}

export function tracingHarness(): TracingHarness {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  return {
    exporter,
    finished: () => exporter.getFinishedSpans(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
