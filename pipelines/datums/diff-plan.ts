/**
 * The `diff` strategy of incremental planning (see incremental.ts): for inputs whose every datum
 * is one glob match of one input, the datums a change can affect are the matches that hold a
 * changed file, and FileIndex.diff lists the changed files at a cost that grows with the changes.
 *
 * A changed file at path P touches, for a glob G:
 * - the file match P, when G matches P;
 * - each directory match D above P (D a proper prefix of P at a '/'), when G matches D;
 * - the root match '/', when G is '/'.
 * A touched file match exists in the new commit when the diff has an `after` entry for it; a
 * touched directory match when some file lies under it in the new commit (FileIndex.dirExists).
 * Every match no change touches has the same files, so the same hash, as in the previous job.
 */
import { type FilePath, parseFilePath } from '../../versioning/ids.ts';
import type { PfsInput } from '../spec/input.ts';
import { type DatumHash, type DatumId, datumIdOf, type MatchType } from './datum.ts';
import { type DatumRef, hashOfRef, type InputMatch, type MatchSource, refOf } from './datum-ref.ts';
import type { DatumTable, DatumTableEntry } from './datum-table.ts';
import { type CaptureGlob, compileCaptureGlob, globMatches } from './glob-capture.ts';
import type { DatumCounts, IncrementalPlanRequest, PreviousJob } from './incremental.ts';
import { leafKey, leavesOf } from './input-tree.ts';
import { sourceResolver } from './plan.ts';

/** Table lookups and directory checks in flight at once, so store latency overlaps. */
const BATCH = 64;

export interface DiffPlanResult {
  readonly touched: number;
  readonly counts: DatumCounts;
  readonly removed: readonly DatumId[];
  readonly runs: readonly { readonly ref: DatumRef; readonly hash: DatumHash }[];
  readonly skips: () => AsyncIterable<DatumTableEntry>;
}

/** A glob match some change touched, and its match in the new commit once known to exist. */
interface TouchedMatch {
  readonly id: DatumId;
  readonly type: MatchType;
  readonly path: FilePath;
  readonly source: MatchSource;
  current?: InputMatch;
}

export async function diffPlan(
  request: IncrementalPlanRequest,
  previous: PreviousJob,
): Promise<DiffPlanResult> {
  const touched = await touchedMatches(request, previous);
  await checkDirectories([...touched.values()]);
  const runs: { ref: DatumRef; hash: DatumHash }[] = [];
  const skipped: DatumTableEntry[] = [];
  const removed: DatumId[] = [];
  let added = 0;
  const entries = [...touched.values()];
  for (let i = 0; i < entries.length; i += BATCH) {
    const slice = entries.slice(i, i + BATCH);
    const refs = slice.map((entry) => (entry.current === undefined ? undefined : refOf([entry.current])));
    const [before, after] = await Promise.all([
      Promise.all(slice.map(async (entry) => previous.datums.hashOf(entry.id))),
      Promise.all(refs.map(async (ref) => (ref === undefined ? undefined : hashOfRef(ref, request)))),
    ]);
    slice.forEach((entry, j) => {
      const was = before[j];
      const ref = refs[j];
      const now = after[j];
      if (ref === undefined || now === undefined) {
        if (was !== undefined) removed.push(entry.id);
        return;
      }
      if (was === undefined) added++;
      if (was === now) skipped.push({ id: entry.id, hash: now });
      else runs.push({ ref, hash: now });
    });
  }
  const total = (await previous.datums.count()) + added - removed.length;
  return {
    touched: touched.size,
    counts: { total, toRun: runs.length, skipped: total - runs.length, removed: removed.length },
    removed,
    runs,
    skips: () => carriedOver(skipped, previous.datums, touched),
  };
}

/** Every glob match holding a changed file, keyed by datum ID (union inputs may share slots). */
async function touchedMatches(
  request: IncrementalPlanRequest,
  previous: PreviousJob,
): Promise<Map<DatumId, TouchedMatch>> {
  const sourceOf = sourceResolver(request.sources);
  const { index } = request.sources;
  const touched = new Map<DatumId, TouchedMatch>();
  const diffed = new Set<string>();
  for (const leaf of leavesOf(request.input)) {
    const identity = JSON.stringify([leafKey(leaf), leaf.glob]);
    const before = previous.commitOf(leaf);
    if (diffed.has(identity) || before === undefined) continue;
    diffed.add(identity);
    const source = sourceOf(leaf);
    if (before.root === source.root) continue;
    const glob = compileCaptureGlob(leaf.glob);
    for await (const difference of index.diff(before.root, source.root, { prefix: glob.literalPrefix })) {
      for (const { type, path } of matchesHolding(difference.path, glob)) {
        const id = datumIdOf([{ ...slotOf(leaf), globMatch: path, matchType: type }]);
        let entry = touched.get(id);
        if (entry === undefined) {
          entry = { id, type, path, source };
          touched.set(id, entry);
        }
        if (type === 'file' && difference.after !== undefined) {
          entry.current = { source, type: 'file', path, entry: difference.after };
        }
      }
    }
  }
  return touched;
}

/** Marks each touched directory match that still has files in the new commit. */
async function checkDirectories(entries: readonly TouchedMatch[]): Promise<void> {
  const dirs = entries.filter((entry) => entry.type === 'dir');
  for (let i = 0; i < dirs.length; i += BATCH) {
    await Promise.all(
      dirs.slice(i, i + BATCH).map(async (entry) => {
        const { index, root } = entry.source;
        if (await index.dirExists(root, entry.path)) {
          entry.current = { source: entry.source, type: 'dir', path: entry.path };
        }
      }),
    );
  }
}

/** The glob matches that hold the file at `path`: see the module comment. */
export function matchesHolding(path: FilePath, glob: CaptureGlob): { type: MatchType; path: FilePath }[] {
  if (glob.rootOnly) return [{ type: 'dir', path: parseFilePath('/', { allowRoot: true }) }];
  const matches: { type: MatchType; path: FilePath }[] = [];
  for (let slash = path.indexOf('/', 1); slash >= 0; slash = path.indexOf('/', slash + 1)) {
    const dir = path.slice(0, slash);
    if (globMatches(glob, dir)) matches.push({ type: 'dir', path: parseFilePath(dir) });
  }
  if (globMatches(glob, path)) matches.push({ type: 'file', path });
  return matches;
}

function slotOf(leaf: PfsInput): { name: string; repo: PfsInput['repo']; branch: PfsInput['branch'] } {
  return { name: leaf.name, repo: leaf.repo, branch: leaf.branch };
}

/** The touched datums that kept their hash, then every datum of the previous job no change touched. */
async function* carriedOver(
  touchedSkips: readonly DatumTableEntry[],
  table: DatumTable,
  touched: ReadonlyMap<DatumId, unknown>,
): AsyncGenerator<DatumTableEntry> {
  yield* touchedSkips;
  for await (const entry of table.entries()) {
    if (!touched.has(entry.id)) yield entry;
  }
}
