/**
 * How results are shown. Two forms, and every command offers both where it lists or inspects:
 * - readable: aligned tables, human sizes (1.2 MiB), relative times;
 * - `--json`: exactly the service's DTOs (field names of versioning/api.ts), so scripts can rely
 *   on them. A listing is a JSON array with one element per line, written as it streams.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 512 B, 1.2 KiB, 12.3 MiB, 123 GiB. */
export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value < 100 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** '5 seconds ago', '3 hours ago'; past a month, the ISO date. */
export function relativeTime(iso: string, now = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 2) return 'just now';
  const steps: [number, string][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [30, 'day'],
  ];
  let value = seconds;
  for (const [size, name] of steps) {
    if (value < size) return `${value} ${name}${value === 1 ? '' : 's'} ago`;
    value = Math.floor(value / size);
  }
  return iso.slice(0, 10);
}

export function writeLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function writeJson(value: unknown): void {
  writeLine(JSON.stringify(value, null, 2));
}

/**
 * Writes a JSON array as the items arrive: one element per line, constant memory. Nothing is
 * written before the first item (or the end) arrives, so a command that fails at once (an unknown
 * ref) leaves stdout empty rather than holding a lone '['.
 */
export async function writeJsonArray(items: AsyncIterable<unknown> | Iterable<unknown>): Promise<number> {
  let count = 0;
  for await (const item of items) {
    process.stdout.write(`${count === 0 ? '[\n' : ',\n'}  ${JSON.stringify(item)}`);
    count += 1;
  }
  process.stdout.write(count === 0 ? '[]\n' : '\n]\n');
  return count;
}

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  /** Numbers and sizes read best aligned right. */
  readonly align?: 'left' | 'right';
}

/** Column widths are taken from the first rows; later rows stream out with the same widths. */
const WIDTH_SAMPLE = 1000;
const GAP = '  ';

/**
 * Writes rows as an aligned table with a header line. Rows are buffered only until the widths
 * are known, so a listing of a million files does not sit in memory. Returns the row count.
 */
export async function writeTable<T>(
  columns: readonly Column<T>[],
  rows: AsyncIterable<T> | Iterable<T>,
): Promise<number> {
  const sample: string[][] = [];
  let widths: number[] | undefined;
  let count = 0;
  const emit = (cells: readonly string[]): void => {
    const sized = widths ?? [];
    const last = cells.length - 1;
    const text = cells.map((cell, index) => {
      const width = sized[index] ?? 0;
      if (columns[index]?.align === 'right') return cell.padStart(width);
      return index === last ? cell : cell.padEnd(width);
    });
    writeLine(text.join(GAP).trimEnd());
  };
  const flushSample = (): void => {
    const header = columns.map((column) => column.header);
    widths = header.map((cell, index) =>
      Math.max(cell.length, ...sample.map((row) => row[index]?.length ?? 0)),
    );
    emit(header);
    for (const row of sample) emit(row);
    sample.length = 0;
  };
  for await (const row of rows) {
    const cells = columns.map((column) => column.value(row));
    count += 1;
    if (widths) {
      emit(cells);
    } else {
      sample.push(cells);
      if (sample.length >= WIDTH_SAMPLE) flushSample();
    }
  }
  if (!widths) flushSample();
  return count;
}

/** `key: value` lines for one record, keys aligned. */
export function writeFields(fields: readonly (readonly [string, string])[]): void {
  const width = Math.max(...fields.map(([key]) => key.length));
  for (const [key, value] of fields) writeLine(`${`${key}:`.padEnd(width + 1)} ${value}`);
}

/** A time as 'ISO (relative)' for inspect output. */
export function timeField(iso: string | null): string {
  return iso === null ? '-' : `${iso} (${relativeTime(iso)})`;
}

export function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * The fields `--json` prints, named as in versioning/api.ts. Scripts rely on them: a field may be
 * added, never renamed or removed.
 */
export const JSON_FIELDS = {
  repo: 'name, description, created, branches, sizeBytes, commitCount',
  branch: 'repo, branch, head, created, provenance',
  commit:
    'repo, id, branch, parent, children, origin, description, started, finished, state, globalId, fileCount, sizeBytes, root, error',
  file: 'path, type, size, hash, commit',
  diff: 'path, change, before, after',
  put: 'commit, files, bytes, newBytes',
} as const;
