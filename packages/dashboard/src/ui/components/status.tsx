/** Loading and error states, announced to screen readers. */
import type { ComponentChildren } from 'preact';
import type { Resource } from '../state/resource.js';

/** An error box (`role="alert"`). */
export function ErrorBox({ error }: { readonly error: Error }) {
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  );
}

/** Renders `children(data)` once loaded; the loading or error state before. */
export function Loaded<T>({
  resource,
  children,
}: {
  readonly resource: Resource<T>;
  readonly children: (data: T) => ComponentChildren;
}) {
  if (resource.data !== undefined)
    return (
      <>
        {resource.error && <ErrorBox error={resource.error} />}
        {children(resource.data)}
      </>
    );
  if (resource.error) return <ErrorBox error={resource.error} />;
  return (
    <p class="muted" aria-busy="true">
      Loading…
    </p>
  );
}
