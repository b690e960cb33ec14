/**
 * The file index at a million files: build, edit, diff against a full listing, and node shape.
 *
 *   npx node bench/file-index.ts                  MemoryObjectStore, then the local FsObjectStore
 *   npx node bench/file-index.ts --store fs       one store only
 *   npx node bench/file-index.ts --sweep          diff cost per leafFanout × branchFanout (FS store)
 *   options: --entries 1000000 --changes 100 --leaf 128 --branch 256 --runs 5
 *
 * Entries are synthetic (paths /data/aNN/bNN/fNNNN.bin, one inline chunk each, hashes made by
 * hashing the path, one fixed pack). After the build, 100 random modifications (a third each
 * content changes, deletes and new files) are applied in one batch. On the FS store every diff
 * runs in a fresh process, so the JIT, the node cache and the file cache of nothing but the OS
 * are cold as in a `strata diff` command; it is repeated `--runs` times and the minimum and the
 * median are shown (the machine may be shared). The walk of both trees runs in its own fresh
 * process too. CPU times (all threads of the process) are printed next to wall times.
 *
 * Targets from the product issue: diff ≤ 100 ms and ≥ 100× faster than listing both trees;
 * committing 1,000,000 files within 1 GB RSS. Tests never assert on these times (STYLE.md).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FsObjectStore } from '../adapters/local/fs-object-store.ts';
import { MemoryObjectStore } from '../adapters/memory/object-store.ts';
import {
  type ObjectHash,
  parseChunkId,
  parseFileHash,
  parseFilePath,
  parseObjectHash,
  parsePackId,
} from '../versioning/ids.ts';
import { nodeKey, nodePackKey } from '../versioning/object-keys.ts';
import type { ObjectStore } from '../versioning/ports.ts';
import {
  type FileEntry,
  FileIndex,
  type FileIndexOptions,
  type TreeChange,
} from '../versioning/tree/index.ts';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string' },
    sweep: { type: 'boolean', default: false },
    entries: { type: 'string', default: '1000000' },
    changes: { type: 'string', default: '100' },
    runs: { type: 'string', default: '5' },
    leaf: { type: 'string', default: '128' },
    branch: { type: 'string', default: '256' },
    phase: { type: 'string' },
    dir: { type: 'string' },
  },
});

const ENTRIES = Number(args.entries);
const CHANGES = Number(args.changes);
const RUNS = Number(args.runs);
const PACK = parsePackId('0123456789abcdef0123456789abcdef');
const SWEEP: readonly [number, number][] = [
  [64, 128],
  [128, 64],
  [128, 128],
  [128, 256],
  [128, 512],
  [256, 256],
];

type Row = [string, string, string];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;
const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const median = (values: readonly number[]) => sorted(values)[Math.floor(values.length / 2)] ?? Number.NaN;
const minimum = (values: readonly number[]) => sorted(values)[0] ?? Number.NaN;

/** Wall and CPU (all threads) milliseconds of `run`. */
async function timed<T>(run: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await run();
  const used = process.cpuUsage(cpu);
  return { value, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

function printTable(title: string, rows: readonly Row[]): void {
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0), 6));
  console.log(`\n${title}`);
  for (const row of [['metric', 'value', 'target'] as Row, ...rows]) {
    console.log(`  ${row[0].padEnd(widths[0]!)}  ${row[1].padStart(widths[1]!)}  ${row[2]}`);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function fakeEntry(path: string, version = 0): FileEntry {
  const hash = sha256(`${path}#${version}`);
  const size = 1000 + (Number.parseInt(hash.slice(0, 6), 16) % 100_000);
  return {
    path: parseFilePath(path),
    size,
    hash: parseFileHash(hash),
    content: {
      kind: 'chunks',
      chunks: [{ id: parseChunkId(sha256(hash)), pack: PACK, offset: 0, length: size }],
    },
  };
}

/** The i-th synthetic path; paths come out sorted as i grows. */
function pathOf(i: number): string {
  const a = String(Math.floor(i / 100_000)).padStart(2, '0');
  const b = String(Math.floor(i / 1000) % 100).padStart(2, '0');
  return `/data/a${a}/b${b}/f${String(i % 1000).padStart(4, '0')}.bin`;
}

/** The first commit of the repo: a put of every file, as a commit's staged changes arrive. */
function* puts(): Generator<TreeChange> {
  for (let i = 0; i < ENTRIES; i++) {
    const entry = fakeEntry(pathOf(i));
    yield { kind: 'put', path: entry.path, entry };
  }
}

/** `CHANGES` random modifications, sorted: content changes, deletes and new files, a third each. */
function modifications(): TreeChange[] {
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const byPath = new Map<string, TreeChange>();
  while (byPath.size < CHANGES) {
    const path = pathOf(Math.floor(next() * ENTRIES));
    const kind = byPath.size % 3;
    if (kind === 0) byPath.set(path, { kind: 'put', path: parseFilePath(path), entry: fakeEntry(path, 1) });
    else if (kind === 1) byPath.set(path, { kind: 'delete', path: parseFilePath(path) });
    else {
      const added = `${path}.new`;
      byPath.set(added, { kind: 'put', path: parseFilePath(added), entry: fakeEntry(added) });
    }
  }
  return [...byPath.values()].sort((x, y) => (x.path < y.path ? -1 : 1));
}

interface Built {
  readonly before: ObjectHash;
  readonly after: ObjectHash;
  readonly rows: Row[];
  readonly nodesPerEdit: number;
}

async function build(store: ObjectStore, options: FileIndexOptions): Promise<Built> {
  const index = new FileIndex(store, options);
  const fixture = await timed(async () => {
    let n = 0;
    for (const _ of puts()) n++;
    return n;
  });
  const empty = await index.emptyRoot();
  const built = await timed(() => index.apply(empty, puts()));
  const rss = peakRssMiB();
  const batch = modifications();
  const writes = index.stats.writes;
  const edited = await timed(() => index.apply(built.value.root, batch));
  const nodesPerEdit = index.stats.writes - writes;
  const rows: Row[] = [
    ['entries', fmt(built.value.fileCount), ''],
    [
      'commit them all to an empty tree (minus making the entries)',
      `${fmt(built.wallMs - fixture.wallMs)} ms`,
      '',
    ],
    ['  CPU time', `${fmt(built.cpuMs - fixture.cpuMs)} ms`, ''],
    ['peak RSS after that commit', `${fmt(rss)} MiB`, '≤ 1 GB'],
    [`apply ${batch.length} modifications`, `${fmt(edited.wallMs, 1)} ms`, ''],
    ['nodes written by that edit', fmt(nodesPerEdit), ''],
  ];
  return { before: built.value.root, after: edited.value.root, rows, nodesPerEdit };
}

interface DiffRun {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly reads: number;
  readonly changes: number;
}

async function firstDiff(store: ObjectStore, before: ObjectHash, after: ObjectHash): Promise<DiffRun> {
  const index = new FileIndex(store);
  const {
    value: changes,
    wallMs,
    cpuMs,
  } = await timed(async () => {
    let n = 0;
    for await (const _ of index.diff(before, after)) n++;
    return n;
  });
  return { wallMs, cpuMs, reads: index.stats.reads, changes };
}

async function walkBoth(store: ObjectStore, roots: readonly ObjectHash[]) {
  const index = new FileIndex(store);
  const run = await timed(async () => {
    let n = 0;
    for (const root of roots) for await (const _ of index.walk(root)) n++;
    return n;
  });
  return { ...run, reads: index.stats.reads };
}

/** Runs this script again in a fresh process for one phase on the FS store at `dir`. */
function inFreshProcess<T>(phase: string, dir: string): T {
  const output = execFileSync(
    process.execPath,
    [...process.execArgv, import.meta.filename, '--phase', phase, '--dir', dir],
    { encoding: 'utf8' },
  );
  return JSON.parse(output) as T;
}

function rootsAt(dir: string): { before: ObjectHash; after: ObjectHash } {
  const roots = JSON.parse(readFileSync(join(dir, 'roots.json'), 'utf8')) as {
    before: string;
    after: string;
  };
  return { before: parseObjectHash(roots.before), after: parseObjectHash(roots.after) };
}

function diffRows(
  diffs: readonly DiffRun[],
  walk: { wallMs: number; cpuMs: number; value: number; reads: number },
): Row[] {
  const wall = diffs.map((d) => d.wallMs);
  const cpu = diffs.map((d) => d.cpuMs);
  return [
    ['changes found by diff', fmt(diffs[0]?.changes ?? 0), `= ${CHANGES}`],
    [`diff, cold (min of ${diffs.length})`, `${fmt(minimum(wall), 1)} ms`, '≤ 100 ms'],
    [`diff, cold (median of ${diffs.length})`, `${fmt(median(wall), 1)} ms`, ''],
    ['  CPU time (min)', `${fmt(minimum(cpu), 1)} ms`, ''],
    ['nodes read by a diff', fmt(diffs[0]?.reads ?? 0), ''],
    ['walk both trees fully', `${fmt(walk.wallMs)} ms (${fmt(walk.value)} files)`, ''],
    ['  CPU time', `${fmt(walk.cpuMs)} ms`, ''],
    ['nodes read by the walk', fmt(walk.reads), ''],
    [
      'walk both ÷ diff (min, median)',
      `${fmt(walk.wallMs / minimum(wall))}×, ${fmt(walk.wallMs / median(wall))}×`,
      '≥ 100×',
    ],
    ['  by CPU time (min)', `${fmt(walk.cpuMs / minimum(cpu))}×`, ''],
  ];
}

/**
 * Nodes, mean items and mean bytes per level, read straight from the store: the root at its own
 * key, every other node at the place in a node pack its parent's child locations give.
 */
async function shapeRows(store: ObjectStore, root: ObjectHash): Promise<Row[]> {
  const levels = new Map<number, { nodes: number; items: number; bytes: number }>();
  const queue: { key: string; range?: { offset: number; length: number } }[] = [{ key: nodeKey(root) }];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const bytes = Buffer.from(await store.get(next.key, next.range));
    const headerEnd = bytes.indexOf(10);
    const node = JSON.parse(bytes.toString('utf8', 0, headerEnd)) as { level: number; paths: unknown[] };
    const items = node.paths.length / (node.level === 0 ? 2 : 4);
    const level = levels.get(node.level) ?? { nodes: 0, items: 0, bytes: 0 };
    levels.set(node.level, {
      nodes: level.nodes + 1,
      items: level.items + items,
      bytes: level.bytes + bytes.length,
    });
    const trailer = node.level > 0 ? bytes.subarray(headerEnd + 1 + items * 32) : Buffer.alloc(0);
    const packsEnd = trailer.indexOf(10);
    const packs =
      trailer.length > 0
        ? (JSON.parse(trailer.toString('utf8', 0, packsEnd)) as { packs: string[] }).packs
        : [];
    const place = (i: number, k: number) => trailer.readUInt32BE(packsEnd + 1 + 12 * i + 4 * k);
    for (let i = 0; node.level > 0 && i < items; i++) {
      const at = headerEnd + 1 + i * 32;
      const pack = trailer.length > 0 ? packs[place(i, 0)] : undefined;
      const [offset, length] = pack === undefined ? [0, 0] : [place(i, 1), place(i, 2)];
      queue.push(
        pack === undefined
          ? { key: nodeKey(parseObjectHash(bytes.toString('hex', at, at + 32))) }
          : { key: nodePackKey(parsePackId(pack)), range: { offset, length } },
      );
    }
  }
  return [...levels]
    .sort((x, y) => y[0] - x[0])
    .map(([level, { nodes, items, bytes }]) => [
      `level ${level}`,
      `${fmt(nodes)} nodes, ${fmt(items / nodes, 1)} items, ${fmt(bytes / nodes / 1024, 1)} KiB`,
      '',
    ]);
}

async function buildOnDisk(options: FileIndexOptions): Promise<{ dir: string; built: Built }> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-file-index-'));
  const built = await build(new FsObjectStore(join(dir, 'objects')), options);
  writeFileSync(join(dir, 'roots.json'), JSON.stringify({ before: built.before, after: built.after }));
  return { dir, built };
}

async function main(): Promise<void> {
  if (args.phase !== undefined) {
    const dir = args.dir!;
    const store = new FsObjectStore(join(dir, 'objects'));
    const { before, after } = rootsAt(dir);
    const result =
      args.phase === 'diff' ? await firstDiff(store, before, after) : await walkBoth(store, [before, after]);
    console.log(JSON.stringify(result));
    return;
  }
  const options: FileIndexOptions = { leafFanout: Number(args.leaf), branchFanout: Number(args.branch) };
  const shape = `leafFanout ${options.leafFanout}, branchFanout ${options.branchFanout}`;
  if (args.sweep) return sweep();
  if (args.store === undefined || args.store === 'memory') {
    const store = new MemoryObjectStore();
    const built = await build(store, options);
    const diffs: DiffRun[] = [];
    for (let i = 0; i < RUNS; i++) diffs.push(await firstDiff(store, built.before, built.after));
    const walk = await walkBoth(store, [built.before, built.after]);
    const rows = [...built.rows, ...diffRows(diffs, walk), ...(await shapeRows(store, built.after))];
    printTable(
      `FileIndex on MemoryObjectStore, ${fmt(ENTRIES)} entries (${shape}; diffs in-process, cold cache)`,
      rows,
    );
  }
  if (args.store === undefined) {
    // The FS run in a process of its own, so that its peak RSS is its own.
    execFileSync(
      process.execPath,
      [...process.execArgv, import.meta.filename, ...process.argv.slice(2), '--store', 'fs'],
      {
        stdio: 'inherit',
      },
    );
  }
  if (args.store === 'fs') {
    const { dir, built } = await buildOnDisk(options);
    try {
      const diffs = Array.from({ length: RUNS }, () => inFreshProcess<DiffRun>('diff', dir));
      const walk = inFreshProcess<{ wallMs: number; cpuMs: number; value: number; reads: number }>(
        'walk',
        dir,
      );
      const rows = [
        ...built.rows,
        ...diffRows(diffs, walk),
        ...(await shapeRows(new FsObjectStore(join(dir, 'objects')), built.after)),
      ];
      printTable(
        `FileIndex on FsObjectStore, ${fmt(ENTRIES)} entries (${shape}; each diff and the walk in a fresh process)`,
        rows,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * Each candidate shape on the FS store: diffs in this process, interleaved across candidates so
 * that load on a shared machine hits all alike (JIT warm, node cache cold: the steady cost of
 * the reads and the decoding), and the first diff of a fresh process (minimum of `--runs`).
 */
async function sweep(): Promise<void> {
  const candidates = [];
  for (const [leafFanout, branchFanout] of SWEEP) {
    const { dir, built } = await buildOnDisk({ leafFanout, branchFanout });
    candidates.push({
      leafFanout,
      branchFanout,
      dir,
      built,
      steady: [] as DiffRun[],
      fresh: [] as DiffRun[],
    });
  }
  try {
    for (let round = 0; round < 3 * RUNS; round++) {
      for (const c of candidates) {
        c.steady.push(
          await firstDiff(new FsObjectStore(join(c.dir, 'objects')), c.built.before, c.built.after),
        );
      }
    }
    for (let round = 0; round < RUNS; round++) {
      for (const c of candidates) c.fresh.push(inFreshProcess<DiffRun>('diff', c.dir));
    }
    console.log(`\nDiff of ${CHANGES} changes in ${fmt(ENTRIES)} files per shape, FsObjectStore (ms)`);
    console.log(
      '  leaf  branch  nodes read  nodes written  steady min  steady median  steady CPU min  fresh process min',
    );
    for (const c of candidates) {
      const steady = c.steady.slice(1).map((d) => d.wallMs);
      const cells = [
        String(c.leafFanout).padStart(4),
        String(c.branchFanout).padStart(6),
        fmt(c.steady[0]!.reads).padStart(10),
        fmt(c.built.nodesPerEdit).padStart(13),
        fmt(minimum(steady), 1).padStart(10),
        fmt(median(steady), 1).padStart(13),
        fmt(minimum(c.steady.slice(1).map((d) => d.cpuMs)), 1).padStart(14),
        fmt(minimum(c.fresh.map((d) => d.wallMs)), 1).padStart(17),
      ];
      console.log(`  ${cells.join('  ')}`);
    }
  } finally {
    for (const { dir } of candidates) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
