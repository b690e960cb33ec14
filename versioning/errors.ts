/**
 * Domain errors, grouped by category as lakeFS groups its sentinel errors. Adapters translate
 * every SDK or driver failure into one of these, so the domain and the CLI never see a foreign
 * error type. Each message names the offending value and says what is allowed instead.
 */

export type ErrorCategory = 'not-found' | 'conflict' | 'invalid' | 'corrupt' | 'unavailable';

export class StrataError extends Error {
  readonly category: ErrorCategory;

  constructor(category: ErrorCategory, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.category = category;
    this.name = new.target.name;
  }
}

/** A repo, branch, commit, file or object that does not exist. */
export class NotFoundError extends StrataError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('not-found', message, options);
  }
}

/** The request is valid, but the current state forbids it (finished commit, name taken, lost race). */
export class ConflictError extends StrataError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('conflict', message, options);
  }
}

/** The input itself is malformed: a bad name, path, ref or option. */
export class InvalidArgumentError extends StrataError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid', message, options);
  }
}

/** Stored bytes do not match their content address: never return them. */
export class CorruptDataError extends StrataError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('corrupt', message, options);
  }
}

/** A backend could not be reached or refused to serve (timeouts, throttling past retries, access). */
export class UnavailableError extends StrataError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}

export function isStrataError(error: unknown): error is StrataError {
  return error instanceof StrataError;
}
