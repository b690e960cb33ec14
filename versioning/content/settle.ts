/**
 * A promise's outcome as a value. Work started ahead of the code that will await it (read-ahead,
 * lookups overlapping chunking) is held settled, so a failure waits for its turn to be thrown
 * instead of surfacing as an unhandled rejection.
 */
export type Settled<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** The value of a settled outcome, or its error thrown. */
export function unwrap<T>(settled: Settled<T>): T {
  if (!settled.ok) throw settled.error;
  return settled.value;
}
