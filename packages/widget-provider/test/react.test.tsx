// @vitest-environment happy-dom
/** @jsxImportSource react */
/** @jsxRuntime automatic */
import { OpenFeature, OpenFeatureProvider, useFlag } from '@openfeature/react-sdk';
import { act, cleanup, render, screen } from '@testing-library/react';
import { Suspense } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { FLAGS_META_KEY, WidgetFlagProvider } from '../src/widget/index.js';
import { installOpenAiHost, payload, removeOpenAiHost, setGlobals } from './support/host.js';

function Layout() {
  const { value, reason } = useFlag('booking-layout', 'list');
  return <p data-testid="layout">{`${value} (${reason})`}</p>;
}

afterEach(async () => {
  cleanup();
  await OpenFeature.clearProviders();
  removeOpenAiHost();
});

describe(`${WidgetFlagProvider.name} with @openfeature/react-sdk`, () => {
  it('re-renders useFlag when a new payload arrives', async () => {
    installOpenAiHost({
      toolResponseMetadata: {
        [FLAGS_META_KEY]: payload({ 'booking-layout': { value: 'grid', reason: 'TARGETING_MATCH' } }, 1),
      },
    });
    await OpenFeature.setProviderAndWait('react-widget', new WidgetFlagProvider());
    render(
      <OpenFeatureProvider domain="react-widget">
        <Layout />
      </OpenFeatureProvider>,
    );
    expect(screen.getByTestId('layout').textContent).toBe('grid (TARGETING_MATCH)');
    await act(async () => {
      setGlobals({
        toolResponseMetadata: {
          [FLAGS_META_KEY]: payload({ 'booking-layout': { value: 'cards', reason: 'TARGETING_MATCH' } }, 2),
        },
      });
    });
    expect(screen.getByTestId('layout').textContent).toBe('cards (TARGETING_MATCH)');
    await act(async () => {
      setGlobals({
        toolResponseMetadata: { [FLAGS_META_KEY]: payload({ 'booking-layout': { reason: 'DISABLED' } }, 3) },
      });
    });
    expect(screen.getByTestId('layout').textContent).toBe('list (DISABLED)');
  });

  it('suspends until the first payload when asked to, then renders its value', async () => {
    installOpenAiHost();
    OpenFeature.setProvider('react-suspense', new WidgetFlagProvider());
    // Awaited: React only retries a suspended render started inside an awaited act.
    await act(async () => {
      render(
        <OpenFeatureProvider domain="react-suspense" suspendUntilReady>
          <Suspense fallback={<p data-testid="loading">loading</p>}>
            <Layout />
          </Suspense>
        </OpenFeatureProvider>,
      );
    });
    expect(screen.getByTestId('loading')).toBeTruthy();
    await act(async () => {
      setGlobals({
        toolResponseMetadata: {
          [FLAGS_META_KEY]: payload({ 'booking-layout': { value: 'grid', reason: 'STATIC' } }),
        },
      });
    });
    expect((await screen.findByTestId('layout')).textContent).toBe('grid (STATIC)');
  });
});
