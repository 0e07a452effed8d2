import { describe, expect, it } from 'vitest';
import {
  LIVE_GZIP_BUDGET_BYTES,
  WIDGET_GZIP_BUDGET_BYTES,
  measureLiveBundle,
  measureWidgetBundle,
} from '../scripts/size.js';

describe('widget entry sizes', () => {
  it(`keeps /widget under ${WIDGET_GZIP_BUDGET_BYTES} bytes minified and gzipped, without the OpenFeature SDK`, async () => {
    const { minifiedBytes, gzipBytes } = await measureWidgetBundle();
    expect(minifiedBytes).toBeGreaterThan(0);
    expect(gzipBytes).toBeLessThan(WIDGET_GZIP_BUDGET_BYTES);
  });

  it(`keeps /widget and /live together under ${LIVE_GZIP_BUDGET_BYTES} bytes, and /live out of /widget`, async () => {
    const widget = await measureWidgetBundle();
    const { alone, withWidget } = await measureLiveBundle();
    expect(withWidget.gzipBytes).toBeLessThan(LIVE_GZIP_BUDGET_BYTES);
    // Opting in adds the live code; not opting in ships none of it.
    expect(alone.code).toContain('refetchEvaluation');
    expect(widget.code).not.toContain('refetchEvaluation');
    expect(widget.code).not.toContain('text/event-stream');
    expect(withWidget.gzipBytes).toBeGreaterThan(widget.gzipBytes + 1000);
  });
});
