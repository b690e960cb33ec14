/** The results table printed at the end of a run. */
import type { ResultRow } from './context.ts';

const HEADERS = ['scenario', 'system', 'metric', 'value', 'target', 'verdict'] as const;

export function formatValue(row: ResultRow): string {
  if (row.value === null) return '-';
  const digits = Math.abs(row.value) >= 100 || row.unit === 'count' ? 0 : Math.abs(row.value) >= 10 ? 1 : 2;
  const number = row.value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  if (row.unit === '') return number;
  if (row.unit === 'x') return `${number}×`;
  return `${number} ${row.unit}`;
}

const NOTE_WIDTH = 90;

/** A note as one short line; the JSON results keep it whole. */
function shortNote(note: string): string {
  const line = note.replace(/\s+/g, ' ').trim();
  return line.length <= NOTE_WIDTH ? line : `${line.slice(0, NOTE_WIDTH - 1)}…`;
}

function cells(row: ResultRow): string[] {
  const verdict = row.note ? `${row.verdict} (${shortNote(row.note)})` : row.verdict;
  return [row.scenario, row.system, row.metric, formatValue(row), row.target ?? '', verdict];
}

export function formatTable(rows: readonly ResultRow[]): string {
  const body = rows.map(cells);
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...body.map((line) => line[column]!.length)),
  );
  const rightAligned = new Set([3]);
  const line = (values: readonly string[]) =>
    values
      .map((value, column) =>
        column === values.length - 1
          ? value
          : rightAligned.has(column)
            ? value.padStart(widths[column]!)
            : value.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const out = [line(HEADERS), rule];
  let previous: string | undefined;
  for (const [index, values] of body.entries()) {
    const scenario = rows[index]!.scenario;
    if (previous !== undefined && scenario !== previous) out.push('');
    previous = scenario;
    out.push(line(values));
  }
  return out.join('\n');
}
