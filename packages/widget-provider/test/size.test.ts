import { describe, expect, it } from 'vitest';
import { WIDGET_GZIP_BUDGET_BYTES, measureWidgetBundle } from '../scripts/size.js';

describe('widget entry size', () => {
  it(`stays under ${WIDGET_GZIP_BUDGET_BYTES} bytes minified and gzipped, without the OpenFeature SDK`, async () => {
    const { minifiedBytes, gzipBytes } = await measureWidgetBundle();
    expect(minifiedBytes).toBeGreaterThan(0);
    expect(gzipBytes).toBeLessThan(WIDGET_GZIP_BUDGET_BYTES);
  });
});
