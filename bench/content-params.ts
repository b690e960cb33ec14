/**
 * Chooses the content layer's chunking parameters, and measures the layer end to end.
 *
 *   node bench/content-params.ts              parameter table, gear loops, hashers (1 GiB write/read)
 *   node bench/content-params.ts --restic     also Strata vs `restic backup` on the same file
 *   node bench/content-params.ts --quick      64 MiB instead of 256 MiB, fewer candidates
 *   node bench/content-params.ts --only gear  one section: params, gear, hashers or restic
 *   node bench/content-params.ts --only rss [--rss-gib 10]   a 10 GiB stream through a writer and
 *       its peak RSS; alone in its process, since the other sections leave hundreds of MB behind
 *
 * For each candidate (min, avg, max): gear-only and gear+SHA-256 throughput on 256 MiB of
 * pseudo-random bytes; ingest throughput through ContentWriter into memory stores; and, after
 * rewriting ten 1 MiB regions, the bytes a second session stores divided by the bytes changed
 * (target ≤ 1.1, index included). Timings are the best of several runs: the machine is shared.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkerChunkHasher } from '../adapters/local/worker-chunk-hasher.ts';
import { MemoryKvStore, MemoryObjectStore } from '../adapters/memory/index.ts';
import { boundaryMask, GEAR } from '../versioning/content/gear.ts';
import {
  Chunker,
  type ChunkHasher,
  type ChunkingParams,
  ContentReader,
  ContentWriter,
  DEFAULT_CHUNKING,
  inlineChunkHasher,
  type StoredContent,
} from '../versioning/content/index.ts';
import type { KvItem, ObjectStore } from '../versioning/ports.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    restic: { type: 'boolean', default: false },
    'rss-gib': { type: 'string' },
    only: { type: 'string' },
  },
});

const MiB = 1024 * 1024;
const SIZE = (args.quick ? 64 : 256) * MiB;
const REGIONS = 10;
const REGION_BYTES = MiB;
const PIECE = MiB;
const RUNS = 3;
/** A chunk index item as a DynamoDB item would hold it: key, value and ~100 bytes of overhead. */
const INDEX_ITEM_BYTES =
  'chunk/'.length + 64 + '{"pack":"","offset":1234567,"length":123456}'.length + 32 + 100;

function keystream(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16)).update(Buffer.alloc(length));
}

function* pieces(data: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < data.length; at += PIECE) yield data.subarray(at, at + PIECE);
}

/** A copy of `data` with REGIONS spread-out regions overwritten by new random bytes. */
function rewriteRegions(data: Buffer): Buffer {
  const edited = Buffer.from(data);
  const slice = Math.floor(data.length / REGIONS);
  const positions = keystream('regions', REGIONS * 4);
  for (let i = 0; i < REGIONS; i++) {
    const offset = i * slice + (positions.readUInt32LE(i * 4) % (slice - REGION_BYTES));
    keystream(`region ${i}`, REGION_BYTES).copy(edited, offset);
  }
  return edited;
}

interface Timed<T> {
  /** Wall-clock seconds of the fastest run. */
  readonly seconds: number;
  /** CPU seconds (user + system, all threads) of that run: steadier than wall time on a busy machine. */
  readonly cpuSeconds: number;
  readonly result: T;
}

async function bestOf<T>(runs: number, run: () => Promise<T> | T): Promise<Timed<T>> {
  let best: Timed<T> | undefined;
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await run();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (best === undefined || seconds < best.seconds) {
      best = { seconds, cpuSeconds: (used.user + used.system) / 1e6, result };
    }
  }
  return best!;
}

/** "wall / cpu" MB/s of a timed run. */
const rates = (bytes: number, timed: Timed<unknown>) =>
  `${mbps(bytes, timed.seconds)} / ${mbps(bytes, timed.cpuSeconds)}`;

const mbps = (bytes: number, seconds: number) => Math.round(bytes / 1e6 / seconds);

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const text = rows.map((row) => row.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

const kib = (n: number) => (n >= MiB ? `${n / MiB}M` : `${n / 1024}K`);
const label = (p: ChunkingParams) => `${kib(p.minSize)}/${kib(p.avgSize)}/${kib(p.maxSize)}`;

function chunkOnly(params: ChunkingParams, data: Uint8Array, hash: boolean): number {
  const chunker = new Chunker(params);
  let count = 0;
  const take = (chunk: Uint8Array) => {
    if (hash) createHash('sha256').update(chunk).digest();
    count++;
  };
  for (const piece of pieces(data)) for (const chunk of chunker.push(piece)) take(chunk);
  const last = chunker.finish();
  if (last !== undefined) take(last);
  return count;
}

/**
 * The loops the chunker could have used, for the record of why it uses the one it does: the
 * shipped chunker (32-bit gear, two bytes per step), the same rule one byte per step, and a
 * 64-bit gear hash carried in two 32-bit halves (JavaScript has no fast 64-bit integers).
 * Each returns the number of chunks, so all three can be checked to cut alike.
 */
function gearVariants(params: ChunkingParams): Record<string, (data: Uint8Array) => number> {
  const { minSize, avgSize, maxSize } = params;
  const bits = Math.log2(avgSize);
  const strict = boundaryMask(bits + 2);
  const loose = boundaryMask(bits - 2);
  const high = GEAR.map((value, i) => GEAR[(i * 7 + 3) & 255]! ^ value);
  const scan = (data: Uint8Array, cut: (start: number, limit: number) => number) => {
    let count = 0;
    for (let start = 0; start < data.length; count++) {
      start += cut(start, Math.min(data.length - start, maxSize));
    }
    return count;
  };
  return {
    'shipped (32-bit, 2 bytes/step)': (data) => chunkOnly(params, data, false),
    '32-bit, 1 byte/step': (data) =>
      scan(data, (start, limit) => {
        let hash = 0;
        for (let i = minSize; i < limit; i++) {
          hash = ((hash << 1) + GEAR[data[start + i]!]!) | 0;
          if ((hash & (i < avgSize ? strict : loose)) === 0) return i + 1;
        }
        return limit;
      }),
    '64-bit in two halves': (data) =>
      scan(data, (start, limit) => {
        let low = 0;
        let hashHigh = 0;
        for (let i = minSize; i < limit; i++) {
          const byte = data[start + i]!;
          const shiftedLow = low << 1;
          const shiftedHigh = (hashHigh << 1) | (low >>> 31);
          low = (shiftedLow + GEAR[byte]!) | 0;
          const carry = low >>> 0 < shiftedLow >>> 0 ? 1 : 0;
          hashHigh = (shiftedHigh + high[byte]! + carry) | 0;
          if ((hashHigh & (i < avgSize ? strict : loose)) === 0) return i + 1;
        }
        return limit;
      }),
  };
}

async function gearTable(data: Buffer): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const [name, run] of Object.entries(gearVariants(DEFAULT_CHUNKING))) {
    const best = await bestOf(RUNS, () => run(data));
    rows.push([name, best.result, rates(data.length, best)]);
  }
  console.log(`\nGear loop variants, ${data.length / MiB} MiB pseudo-random, ${label(DEFAULT_CHUNKING)}`);
  console.log(table(['loop', 'chunks', 'MB/s wall / cpu'], rows));
}

async function ingest(params: ChunkingParams, data: Uint8Array, hasher: ChunkHasher = inlineChunkHasher) {
  const objects = new MemoryObjectStore();
  const kv = new MemoryKvStore();
  const writer = new ContentWriter({ objects, kv, chunking: params, hasher });
  const content = await writer.write(pieces(data));
  await writer.flush();
  return { objects, kv, content };
}

async function parameterTable(data: Buffer, edited: Buffer): Promise<void> {
  const changed = REGIONS * REGION_BYTES;
  const averages = args.quick ? [16, 64, 1024] : [16, 32, 64, 128, 1024];
  const rows: (string | number)[][] = [];
  for (const avgKiB of averages) {
    for (const maxFactor of [4, 8]) {
      const avgSize = avgKiB * 1024;
      const params = { minSize: avgSize / 4, avgSize, maxSize: avgSize * maxFactor };
      const gear = await bestOf(RUNS, () => chunkOnly(params, data, false));
      const gearSha = await bestOf(RUNS, () => chunkOnly(params, data, true));
      const first = await bestOf(RUNS, () => ingest(params, data));
      const { objects, kv } = first.result;
      const second = new ContentWriter({ objects, kv, chunking: params });
      const packBytesBefore = objects.stats.bytesWritten;
      await second.write(pieces(edited));
      await second.flush();
      const s = second.stats;
      const stored = objects.stats.bytesWritten - packBytesBefore + s.newChunks * INDEX_ITEM_BYTES;
      rows.push([
        label(params),
        Math.round(data.length / gear.result / 1024),
        rates(data.length, gear),
        rates(data.length, gearSha),
        rates(data.length, first),
        (s.newBytes / changed).toFixed(3),
        (stored / changed).toFixed(3),
        Math.round((gear.result * 1024 * MiB) / data.length),
      ]);
      console.error(`  measured ${label(params)}`);
    }
  }
  console.log(
    `\nChunking parameters: ${data.length / MiB} MiB pseudo-random, ${REGIONS} × 1 MiB regions rewritten`,
  );
  console.log(
    table(
      [
        'min/avg/max',
        'mean KiB',
        'gear MB/s',
        'gear+sha MB/s',
        'ingest MB/s',
        'new/changed',
        'stored+index/changed',
        'chunks per GiB',
      ],
      rows,
    ),
  );
}

async function readAll(objects: ObjectStore, content: StoredContent, hasher: ChunkHasher): Promise<number> {
  let bytes = 0;
  for await (const piece of new ContentReader({ objects, hasher }).read(content)) bytes += piece.length;
  return bytes;
}

async function hasherTable(): Promise<void> {
  const size = (args.quick ? 256 : 1024) * MiB;
  const data = keystream('one gibibyte', size);
  const worker = new WorkerChunkHasher();
  const rows: (string | number)[][] = [];
  for (const [name, hasher] of [
    ['inline (main thread)', inlineChunkHasher],
    ['worker thread', worker],
  ] as const) {
    const written = await bestOf(RUNS, () => ingest(DEFAULT_CHUNKING, data, hasher));
    const { objects, content } = written.result;
    const read = await bestOf(RUNS, () => readAll(objects, content, hasher));
    if (read.result !== size) throw new Error(`read ${read.result} of ${size} bytes`);
    rows.push([name, rates(size, written), rates(size, read)]);
  }
  await worker.close();
  console.log(
    `\nContentWriter / ContentReader, ${size / MiB} MiB pseudo-random, memory stores, ${label(DEFAULT_CHUNKING)}`,
  );
  console.log(table(['hasher', 'write MB/s wall / cpu', 'read MB/s wall / cpu'], rows));
}

/**
 * Strata's ContentWriter and `restic backup` on the same files, read from the page cache: the
 * first ingest, then the copy with rewritten regions (for restic into the same repository, for
 * Strata into the same stores in a new session), with what each stored for the second.
 */
async function peerTable(data: Buffer, edited: Buffer): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-restic-'));
  try {
    const original = join(dir, 'data.bin');
    const changed = join(dir, 'edited.bin');
    await writeFile(original, data);
    await writeFile(changed, edited);
    const env = { ...process.env, RESTIC_PASSWORD: 'strata-bench' };
    let repos = 0;
    const restic = (repo: string, ...rest: string[]) =>
      execFileSync('restic', ['--repo', repo, '--no-cache', ...rest], { env, encoding: 'utf8' });
    const resticBackup = (repo: string, file: string): Timed<number> => {
      const cpuBefore = childCpuSeconds();
      const started = performance.now();
      const summary = restic(repo, 'backup', '--json', file).trim().split('\n').at(-1) ?? '{}';
      const seconds = (performance.now() - started) / 1000;
      const added = Number(JSON.parse(summary).data_added);
      return { seconds, cpuSeconds: childCpuSeconds() - cpuBefore, result: added };
    };
    const strataWrite = async (writer: ContentWriter, file: string) => {
      await writer.write(createReadStream(file, { highWaterMark: MiB }));
      await writer.flush();
    };
    const rows: (string | number)[][] = [];
    const worker = new WorkerChunkHasher();
    for (const [name, hasher] of [
      ['strata, inline hasher', inlineChunkHasher],
      ['strata, worker hasher', worker],
    ] as const) {
      const first = await bestOf(RUNS, async () => {
        const stores = { objects: new MemoryObjectStore(), kv: new MemoryKvStore() };
        await strataWrite(new ContentWriter({ ...stores, hasher }), original);
        return stores;
      });
      const { objects, kv } = first.result;
      const before = objects.stats.bytesWritten;
      const second = await bestOf(1, () => strataWrite(new ContentWriter({ objects, kv, hasher }), changed));
      const added = objects.stats.bytesWritten - before;
      rows.push([name, rates(data.length, first), rates(data.length, second), (added / MiB).toFixed(1)]);
    }
    await worker.close();
    let best: { first: Timed<number>; second: Timed<number> } | undefined;
    for (let i = 0; i < RUNS; i++) {
      const repo = join(dir, `repo-${repos++}`);
      restic(repo, 'init');
      const first = resticBackup(repo, original);
      const second = resticBackup(repo, changed);
      if (best === undefined || first.seconds < best.first.seconds) best = { first, second };
    }
    rows.push([
      'restic backup',
      rates(data.length, best!.first),
      rates(data.length, best!.second),
      (best!.second.result / MiB).toFixed(1),
    ]);
    const version = restic(join(dir, 'repo-0'), 'version').trim().split(' ').slice(0, 2).join(' ');
    console.log(
      `\nStrata (memory stores) and ${version} on the same ${data.length / MiB} MiB file; MB/s as wall / CPU`,
    );
    console.log(
      table(['system', 'first ingest MB/s', 'after rewrite MB/s', 'MiB stored after rewrite'], rows),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** CPU seconds of the child processes waited for so far: fields 16 and 17 of /proc/self/stat. */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Keeps no bytes: lets a long stream through a writer without the store holding it. */
class EmptyingObjectStore extends MemoryObjectStore {
  override putIfAbsent(key: string): Promise<boolean> {
    return super.putIfAbsent(key, new Uint8Array(0));
  }
}

/** A chunk index that forgets: every lookup misses. Keeps the KV's own memory out of the figure. */
class ForgetfulKvStore extends MemoryKvStore {
  override async getMany(keys: readonly string[]): Promise<(KvItem | undefined)[]> {
    return keys.map(() => undefined);
  }
  override async putMany(): Promise<void> {}
}

async function rssRun(gib: number): Promise<void> {
  const total = gib * 1024 * MiB;
  const writer = new ContentWriter({ objects: new EmptyingObjectStore(), kv: new ForgetfulKvStore() });
  const before = process.memoryUsage().rss;
  let peak = before;
  async function* stream(): AsyncGenerator<Uint8Array> {
    const key = createHash('sha256').update('rss').digest();
    const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16));
    const zeros = Buffer.alloc(PIECE);
    for (let at = 0; at < total; at += PIECE) yield cipher.update(zeros);
  }
  const started = performance.now();
  const content = await writer.write(stream(), {
    onProgress: (bytes) => {
      if (bytes % (64 * MiB) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    },
  });
  await writer.flush();
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${gib} GiB stream through ContentWriter (stores that keep no bytes, index that forgets)`);
  console.log(
    table(
      ['MB/s', 'RSS before MB', 'peak RSS MB', 'chunk lists', 'packs'],
      [
        [
          mbps(total, seconds),
          Math.round(before / 1e6),
          Math.round(peak / 1e6),
          content.content.kind === 'lists' ? content.content.lists.length : 0,
          writer.stats.packsWritten,
        ],
      ],
    ),
  );
}

const wanted = (section: string) =>
  (args.only === undefined && section !== 'restic') || args.only === section;
if (wanted('params') || wanted('gear') || wanted('restic')) {
  const data = keystream('content-params', SIZE);
  const edited = rewriteRegions(data);
  if (wanted('params')) await parameterTable(data, edited);
  if (wanted('gear')) await gearTable(data);
  if (args.restic || wanted('restic')) await peerTable(data, edited);
}
if (wanted('hashers')) await hasherTable();
if (args.only === 'rss') await rssRun(Number(args['rss-gib'] ?? 10));
