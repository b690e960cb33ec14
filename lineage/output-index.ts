/**
 * A job's output index: for every file of the job's output commit, the datums whose outputs make
 * it. File-level lineage starts here, so it must answer "who wrote this path" without reading
 * every datum of the job.
 *
 * Rules:
 * - One immutable object per job, `jobs/<pipeline>/<job>/outputs.jsonl`, written by assembly
 *   before the job is marked successful and before its output commit finishes: whoever sees a
 *   finished output commit can find its index through the job record.
 * - One JSON line per output path, sorted by path in JavaScript string order (the file index's
 *   order), lines joined by '\n'. JSON escapes newlines, so a line break only ever ends a line.
 * - A line's datums are in datum-ID order, the order their outputs were concatenated, each with
 *   the job whose datum result holds it (the job itself, or an earlier job for a skipped datum).
 *   A path written by more than 64 datums continues on the lines that follow, so every line
 *   stays small and a probe into the object reads little.
 * - A lookup reads a small index whole; a large one it binary-searches over byte offsets with
 *   ranged reads, so finding one path costs O(log size) reads whatever the job's size.
 */
import { z } from 'zod';
import { type DatumId, parseDatumId } from '../pipelines/datums/index.ts';
import { CorruptDataError } from '../versioning/errors.ts';
import {
  type CommitSetId,
  type FilePath,
  parseCommitSetId,
  parseFilePath,
  type RepoName,
} from '../versioning/ids.ts';
import type { ObjectStore } from '../versioning/ports.ts';

export const outputIndexLine = z.object({
  path: z.string().transform((text) => parseFilePath(text)),
  datums: z
    .array(
      z.object({
        id: z.string().transform(parseDatumId),
        /** The job whose datum result holds this datum's output. */
        source: z.string().transform(parseCommitSetId),
      }),
    )
    .min(1),
});
export type OutputIndexLine = z.output<typeof outputIndexLine>;

/** A datum that wrote an output path, and the job whose datum result holds its output. */
export interface WritingDatum {
  readonly id: DatumId;
  readonly source: CommitSetId;
}

/** Who wrote one output path: what assembly hands to `writeOutputIndex`. */
export interface OutputWriters {
  readonly path: FilePath;
  readonly datums: readonly WritingDatum[];
}

export const outputIndexKey = (pipeline: RepoName, job: CommitSetId) =>
  `jobs/${pipeline}/${job}/outputs.jsonl`;

const DATUMS_PER_LINE = 64;
/** At or below this size an index is read whole: one request beats a dozen small ones. */
const WHOLE_READ_BYTES = 256 * 1024;
/** The first ranged read (a few lines); it doubles while a line runs on past it. */
const FIRST_WINDOW_BYTES = 16 * 1024;
const MAX_WINDOW_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes the job's output index (sorting it by path) and returns its key. */
export async function writeOutputIndex(
  objects: ObjectStore,
  pipeline: RepoName,
  job: CommitSetId,
  writers: readonly OutputWriters[],
): Promise<string> {
  const key = outputIndexKey(pipeline, job);
  const sorted = [...writers].sort((a, b) => compareText(a.path, b.path));
  const lines: string[] = [];
  for (const { path, datums } of sorted) {
    for (let from = 0; from < datums.length; from += DATUMS_PER_LINE) {
      lines.push(JSON.stringify({ path, datums: datums.slice(from, from + DATUMS_PER_LINE) }));
    }
  }
  const text = lines.join('\n');
  // A retried assembly writes the same bytes: the first write stands.
  await objects.putIfAbsent(key, encoder.encode(text));
  return key;
}

/** The datums that wrote `path`, from the index at `key`; undefined when the job wrote no such path. */
export async function findOutputWriters(
  objects: ObjectStore,
  key: string,
  path: FilePath,
): Promise<OutputWriters | undefined> {
  const head = await objects.head(key);
  if (!head) throw new CorruptDataError(`output index ${key} is missing although its job names it`);
  if (head.size === 0) return undefined;
  const lines =
    head.size <= WHOLE_READ_BYTES
      ? searchWhole(key, await objects.get(key), path)
      : searchRanged(objects, key, head.size, path);
  // The search yields lines from the first at or after `path`: the path's lines come first.
  const datums: WritingDatum[] = [];
  for await (const line of lines) {
    if (line.path !== path) break;
    datums.push(...line.datums);
  }
  return datums.length > 0 ? { path, datums } : undefined;
}

/** Binary search over the lines of an index held in memory; yields the lines from the first at or after `path`. */
function* searchWhole(key: string, bytes: Uint8Array, path: FilePath): Generator<OutputIndexLine> {
  const lines = decoder.decode(bytes).split('\n');
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const line = parseLine(key, lines[mid] ?? '', mid);
    if (compareText(line.path, path) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (let at = lo; at < lines.length; at++) yield parseLine(key, lines[at] ?? '', at);
}

/**
 * Binary search over byte offsets; yields the lines from the first at or after `path`. `A` is
 * where that line starts (the object's size when there is none); the loop keeps
 * `lo <= A <= start of the first line at or after hi`, probing the line that starts at or after
 * the midpoint. Once the span is small, the lines from `lo` are read in order.
 */
async function* searchRanged(
  objects: ObjectStore,
  key: string,
  size: number,
  path: FilePath,
): AsyncGenerator<OutputIndexLine> {
  let lo = 0;
  let hi = size;
  while (hi - lo > FIRST_WINDOW_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const line = await firstLine(linesFrom(objects, key, size, mid));
    if (!line || compareText(parseLine(key, line.text, line.start).path, path) >= 0) hi = mid;
    else lo = line.next;
  }
  let reached = false;
  for await (const line of linesFrom(objects, key, size, lo)) {
    const parsed = parseLine(key, line.text, line.start);
    reached ||= compareText(parsed.path, path) >= 0;
    if (reached) yield parsed;
  }
}

interface RawLine {
  /** Byte offset where the line starts. */
  readonly start: number;
  /** Byte offset just after the line and its newline: where the next line starts. */
  readonly next: number;
  readonly text: string;
}

async function firstLine(lines: AsyncGenerator<RawLine>): Promise<RawLine | undefined> {
  const { value, done } = await lines.next();
  await lines.return(undefined);
  return done ? undefined : value;
}

/**
 * The lines that start at or after `offset`, read with ranged gets of growing size. A line starts
 * at 0 or just after a newline, so from any other offset the partial line in progress is skipped.
 */
async function* linesFrom(
  objects: ObjectStore,
  key: string,
  size: number,
  offset: number,
): AsyncGenerator<RawLine> {
  let skipping = offset > 0;
  // Reading from offset - 1 sees whether a line starts exactly at offset.
  let position = skipping ? offset - 1 : 0;
  let pending = new Uint8Array(0);
  let pendingStart = position;
  let window = FIRST_WINDOW_BYTES;
  while (position < size) {
    const length = Math.min(window, size - position);
    const chunk = await objects.get(key, { offset: position, length });
    position += length;
    window = Math.min(window * 2, MAX_WINDOW_BYTES);
    const buffer = concat(pending, chunk);
    let lineStart = 0;
    for (let at = buffer.indexOf(NEWLINE); at >= 0; at = buffer.indexOf(NEWLINE, at + 1)) {
      if (!skipping) {
        yield {
          start: pendingStart + lineStart,
          next: pendingStart + at + 1,
          text: decoder.decode(buffer.subarray(lineStart, at)),
        };
      }
      skipping = false;
      lineStart = at + 1;
    }
    if (skipping) {
      pending = new Uint8Array(0);
      pendingStart = position;
    } else {
      pending = buffer.slice(lineStart);
      pendingStart += lineStart;
    }
  }
  if (!skipping && pending.length > 0) {
    yield { start: pendingStart, next: size, text: decoder.decode(pending) };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function parseLine(key: string, text: string, where: number): OutputIndexLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CorruptDataError(`output index ${key} holds a line that is not JSON (at ${where})`, {
      cause: error,
    });
  }
  let parsed: ReturnType<typeof outputIndexLine.safeParse>;
  try {
    parsed = outputIndexLine.safeParse(json);
  } catch (error) {
    // A branded-ID parse function refused a stored value.
    throw new CorruptDataError(`output index ${key} holds an invalid value (at ${where}): ${String(error)}`, {
      cause: error,
    });
  }
  if (!parsed.success) {
    throw new CorruptDataError(
      `output index ${key} holds an invalid line (at ${where}): ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
