/** Where the local engine reports what it does: `console` fits; the CLI prints info to stdout and errors to stderr. */
export interface DaemonLog {
  info(message: string): void;
  error(message: string): void;
}

/**
 * Logs each distinct problem once while it lasts, so a poll loop that meets the same problem on
 * every scan (a missing repo, a misplaced file) does not flood the log; once a scan no longer
 * meets it, it is logged again if it comes back.
 */
export class ProblemReporter {
  readonly #log: DaemonLog;
  #reported = new Set<string>();
  #current = new Set<string>();

  constructor(log: DaemonLog) {
    this.#log = log;
  }

  report(message: string): void {
    if (!this.#reported.has(message) && !this.#current.has(message)) this.#log.error(message);
    this.#current.add(message);
  }

  /** Ends a scan: problems not reported during it are forgotten. */
  endScan(): void {
    this.#reported = this.#current;
    this.#current = new Set();
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
