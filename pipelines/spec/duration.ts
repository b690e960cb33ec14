/**
 * Durations as Pachyderm writes them (Go's `time.ParseDuration` syntax): one or more
 * `<number><unit>` parts with no spaces, units ns, us (or µs), ms, s, m, h: "30s", "10m",
 * "1h30m", "1.5h", "250ms". A bare "0" is zero. Protobuf's JSON form ("3600s", "0.5s") is a
 * subset, so a spec printed by `pachctl inspect pipeline --raw` reads back unchanged.
 * There is no day unit, as in Go: write "24h".
 */
import { InvalidArgumentError } from '../../versioning/errors.ts';

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** Sticky: each match must start where the previous one ended, so no character is skipped. */
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export const DURATION_RULE =
  'use numbers with units ns, us, ms, s, m or h and no spaces, e.g. "30s", "10m", "1h30m"';

/** Parses a duration into milliseconds (fractional below 1 ms). */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  let milliseconds = 0;
  let at = 0;
  while (at < text.length) {
    DURATION_PART.lastIndex = at;
    const part = DURATION_PART.exec(text);
    if (part === null) break;
    milliseconds += Number(part[1]) * MS_PER_UNIT[part[2]!]!;
    at = DURATION_PART.lastIndex;
  }
  if (text === '' || at < text.length) {
    throw new InvalidArgumentError(`invalid duration ${JSON.stringify(text)}: ${DURATION_RULE}`);
  }
  if (!Number.isFinite(milliseconds)) {
    throw new InvalidArgumentError(`invalid duration ${JSON.stringify(text)}: the value is too large`);
  }
  return milliseconds;
}
