/**
 * Staged writes of an open commit. Each write is stored as one or more sorted runs of tree
 * changes (newline-delimited JSON objects, immutable, named at random), and linked into the
 * commit's delta chain only after its content is durable. Finishing merges every run, newest
 * wins, into one sorted change batch for the file index.
 *
 * Rules:
 * - Within a run, changes are sorted by `changeSortKey` with one change per key.
 * - Between runs, a later run wins: its change for a key replaces an earlier one, and its
 *   `delete-dir` removes earlier runs' changes under that directory.
 * - Runs are capped in size, so a write of a million files is a handful of objects and memory
 *   stays bounded while they are made.
 */
import { randomBytes } from 'node:crypto';
import { CorruptDataError, NotFoundError } from '../errors.ts';
import { deltaKey } from '../object-keys.ts';
import type { ObjectStore } from '../ports.ts';
import { changeSortKey, dirPrefix, type TreeChange } from '../tree/types.ts';
import { treeChangeSchema } from './entry-schema.ts';

/** Changes per run: ~150 bytes each encoded, so a run is a few MiB. */
export const RUN_SIZE = 50_000;

const encoder = new TextEncoder();

/** Buffers changes and stores them as sorted runs. */
export class DeltaRunWriter {
  readonly #objects: ObjectStore;
  readonly #runSize: number;
  #buffer: TreeChange[] = [];
  readonly #keys: string[] = [];

  constructor(objects: ObjectStore, options: { runSize?: number } = {}) {
    this.#objects = objects;
    this.#runSize = options.runSize ?? RUN_SIZE;
  }

  async add(change: TreeChange): Promise<void> {
    this.#buffer.push(change);
    if (this.#buffer.length >= this.#runSize) await this.#storeRun();
  }

  /** Stores what is buffered; returns the keys of every run, in write order. */
  async finish(): Promise<string[]> {
    if (this.#buffer.length > 0) await this.#storeRun();
    return [...this.#keys];
  }

  get changeCount(): number {
    return this.#buffer.length + this.#keys.length * this.#runSize;
  }

  async #storeRun(): Promise<void> {
    const run = sortRun(this.#buffer);
    this.#buffer = [];
    const key = deltaKey(randomBytes(16).toString('hex'));
    await this.#objects.putIfAbsent(key, encodeRun(run));
    this.#keys.push(key);
  }
}

/** Sorts one write's changes; for a repeated key the last change wins. */
export function sortRun(changes: readonly TreeChange[]): TreeChange[] {
  const byKey = new Map<string, TreeChange>();
  for (const change of changes) {
    const key = changeSortKey(change);
    byKey.delete(key);
    byKey.set(key, change);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, change]) => change);
}

export function encodeRun(changes: readonly TreeChange[]): Uint8Array {
  return encoder.encode(changes.map((change) => JSON.stringify(change)).join('\n'));
}

function parseChange(key: string, json: unknown): TreeChange {
  try {
    const result = treeChangeSchema.safeParse(json);
    if (result.success) return result.data;
    throw new Error(result.error.message);
  } catch (error) {
    throw new CorruptDataError(`staged delta ${key} holds an invalid change`, { cause: error });
  }
}

/** Bytes of a run read at a time: a merge of many large runs holds one window of each. */
const RUN_WINDOW_BYTES = 1024 * 1024;

/** Streams a stored run in ranged windows, decoding a line at a time. */
export async function* readRun(objects: ObjectStore, key: string): AsyncGenerator<TreeChange> {
  const head = await objects.head(key);
  if (!head) throw new NotFoundError(`staged delta ${key} is missing`);
  const streaming = new TextDecoder();
  let pending = '';
  for (let offset = 0; offset < head.size; offset += RUN_WINDOW_BYTES) {
    const length = Math.min(RUN_WINDOW_BYTES, head.size - offset);
    pending += streaming.decode(await objects.get(key, { offset, length }), { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) yield parseLine(key, line);
  }
  pending += streaming.decode();
  if (pending !== '') yield parseLine(key, pending);
}

function parseLine(key: string, line: string): TreeChange {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new CorruptDataError(`staged delta ${key} holds a line that is not JSON`, { cause: error });
  }
  return parseChange(key, json);
}

interface Head {
  readonly key: string;
  readonly change: TreeChange;
  readonly run: number;
  readonly rest: Iterator<TreeChange> | AsyncIterator<TreeChange>;
}

/**
 * Merges sorted runs (oldest first) into one sorted batch with one change per key, applying the
 * precedence rules above.
 */
export async function* mergeRuns(
  runs: readonly (Iterable<TreeChange> | AsyncIterable<TreeChange>)[],
): AsyncGenerator<TreeChange> {
  const heap = new MinHeap<Head>((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.run - b.run));
  const advance = async (rest: Head['rest'], run: number) => {
    const next = await rest.next();
    if (!next.done) heap.push({ key: changeSortKey(next.value), change: next.value, run, rest });
  };
  await Promise.all(
    runs.map((run, index) =>
      advance(Symbol.asyncIterator in run ? run[Symbol.asyncIterator]() : run[Symbol.iterator](), index),
    ),
  );
  // Directories removed by some run, innermost last, with the newest run that removed each.
  const removals: { prefix: string; run: number }[] = [];
  while (heap.size > 0) {
    const key = heap.peek()!.key;
    let winner: Head | undefined;
    while (heap.size > 0 && heap.peek()!.key === key) {
      const head = heap.pop()!;
      winner = head;
      await advance(head.rest, head.run);
    }
    if (!winner) break;
    while (removals.length > 0 && !key.startsWith(removals[removals.length - 1]!.prefix)) removals.pop();
    const coveredBy = removals.reduce((newest, removal) => Math.max(newest, removal.run), -1);
    if (winner.run < coveredBy) continue;
    if (winner.change.kind === 'delete-dir')
      removals.push({ prefix: dirPrefix(winner.change.path), run: winner.run });
    yield winner.change;
  }
}

/** A binary min-heap; small enough that a library would not pay for itself. */
class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.#compare(items[index]!, items[parent]!) >= 0) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && this.#compare(items[left]!, items[smallest]!) < 0) smallest = left;
        if (right < items.length && this.#compare(items[right]!, items[smallest]!) < 0) smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest]!, items[index]!];
        index = smallest;
      }
    }
    return top;
  }
}
