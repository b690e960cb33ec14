/**
 * The one place where a failure becomes a message and an exit code. Rules:
 * - exit 1: the request was understood but could not be done (not found, conflict, corrupt
 *   data, backend unavailable, a local file that cannot be read or written);
 * - exit 2: the request itself is wrong (invalid input, usage errors, commander's own errors);
 * - a StrataError's message is printed as the domain wrote it (it names the value and what is
 *   allowed) and never with a stack trace; an unexpected error is a bug, and its stack is
 *   printed only with STRATA_DEBUG=1.
 */
import { CommanderError } from 'commander';
import { type ErrorCategory, isStrataError } from '../versioning/errors.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const exitCodes: Record<ErrorCategory, number> = {
  'not-found': EXIT_FAILED,
  conflict: EXIT_FAILED,
  corrupt: EXIT_FAILED,
  unavailable: EXIT_FAILED,
  invalid: EXIT_USAGE,
};

/** A Node system error (ENOENT, EACCES, ENOSPC…): the environment's fault, not a bug. */
function systemErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  const { code } = error;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * Prints the error on stderr and returns the exit code. Commander has already printed its own
 * usage errors (through `outputError` in program.ts), so for those only the code is decided.
 */
export function reportError(error: unknown, debug = process.env.STRATA_DEBUG === '1'): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (isStrataError(error)) {
    printError(error.message);
    return exitCodes[error.category];
  }
  if (systemErrorCode(error) === 'EPIPE') {
    // The reader went away (`strata get file … | head`): not a failure worth a message.
    return EXIT_OK;
  }
  if (systemErrorCode(error) !== undefined && error instanceof Error) {
    printError(error.message);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return EXIT_FAILED;
  }
  const message = error instanceof Error ? error.message : String(error);
  printError(`unexpected error: ${message}`);
  if (debug && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  } else {
    process.stderr.write(
      'strata: this is a bug; run again with STRATA_DEBUG=1 for the stack trace and report it\n',
    );
  }
  return EXIT_FAILED;
}

export function printError(message: string): void {
  process.stderr.write(`strata: ${message}\n`);
}
