/**
 * Enumerates the datums of a pipeline's input tree over the input commits' file indexes.
 *
 * - `pfs`: one datum per FileIndex.glob match, files and directories, in entry order; a
 *   directory's datum holds every file under it. Streamed: memory does not grow with the repo.
 * - `union`: each child's datums in turn, streamed. Children that share an input slot (name, repo
 *   and branch) can match the same path; such a union drops repeats, holding the IDs it has seen.
 * - `cross`, `join`, `group`: see combine.ts; they hold references to their children's matches
 *   (not file lists), at most `maxMatchesInMemory` in all.
 * - `cron`: the pfs input '/*' on its tick repo's 'master' branch.
 */
import { NotFoundError } from '../../versioning/errors.ts';
import type { CommitId, ObjectHash } from '../../versioning/ids.ts';
import type { FileIndex } from '../../versioning/tree/index.ts';
import type { PfsInput, PipelineInput } from '../spec/input.ts';
import { crossRefs, groupRefs, joinRefs, type RefStream, unionRefs } from './combine.ts';
import type { Datum } from './datum.ts';
import { type DatumRef, MatchBudget, type MatchSource, refOf, resolveDatum } from './datum-ref.ts';
import { checkInputTree, leafKey, leafOf, leavesOf } from './input-tree.ts';

/** The commit a leaf input reads, and the root of its file index. */
export interface InputCommit {
  readonly commit: CommitId;
  readonly root: ObjectHash;
}

/** The input commit of each leaf (a cron input is asked for as its tick repo's pfs input). */
export type InputCommitLookup = (input: PfsInput) => InputCommit | undefined;

export interface PlanSources {
  readonly index: FileIndex;
  readonly commitOf: InputCommitLookup;
}

export interface PlanOptions {
  /**
   * Glob matches a plan may hold in memory at once (cross, join, group, a union of inputs that
   * share a slot, and an incremental plan that cannot use the diff).
   * @default 1_000_000
   */
  readonly maxMatchesInMemory?: number;
}

export const DEFAULT_MAX_MATCHES_IN_MEMORY = 1_000_000;

/** Looks input commits up by input name: enough unless union inputs share a name. */
export function commitsByName(commits: ReadonlyMap<string, InputCommit>): InputCommitLookup {
  return (input) => commits.get(input.name);
}

/** The datums of `input`, with their files, in plan order. */
export async function* planDatums(
  input: PipelineInput,
  sources: PlanSources,
  options: PlanOptions = {},
): AsyncGenerator<Datum> {
  for await (const ref of planDatumRefs(input, sources, options)) yield resolveDatum(ref);
}

/** The datums of `input` as references (IDs and matches, no file lists), in plan order. */
export function planDatumRefs(
  input: PipelineInput,
  sources: PlanSources,
  options: PlanOptions = {},
): AsyncIterable<DatumRef> {
  checkInputTree(input);
  const budget = new MatchBudget(options.maxMatchesInMemory ?? DEFAULT_MAX_MATCHES_IN_MEMORY);
  return refsOf(input, sourceResolver(sources), budget);
}

/** Binds leaves to their commits, failing with the input's name when one has none. */
export function sourceResolver(sources: PlanSources): (leaf: PfsInput) => MatchSource {
  return (leaf) => {
    const commit = sources.commitOf(leaf);
    if (commit === undefined) {
      throw new NotFoundError(
        `input ${JSON.stringify(leaf.name)} (${leaf.repo}@${leaf.branch}) has no input commit: a job can be planned once every input branch has a commit`,
      );
    }
    return { leaf, commit: commit.commit, root: commit.root, index: sources.index };
  };
}

function refsOf(
  input: PipelineInput,
  sourceOf: (leaf: PfsInput) => MatchSource,
  budget: MatchBudget,
): AsyncIterable<DatumRef> {
  if (input.kind === 'pfs' || input.kind === 'cron') return pfsRefs(sourceOf(leafOf(input)));
  const children: RefStream[] = input.inputs.map((child) => () => refsOf(child, sourceOf, budget));
  switch (input.kind) {
    case 'union':
      return unionRefs(children, childrenShareSlots(input.inputs), budget);
    case 'cross':
      return crossRefs(children, budget);
    case 'join': {
      const outer = input.inputs.map((child) => leavesOf(child).some((leaf) => leaf.outerJoin));
      return joinRefs(children, outer, budget);
    }
    case 'group':
      return groupRefs(children, budget);
  }
}

async function* pfsRefs(source: MatchSource): AsyncGenerator<DatumRef> {
  for await (const item of source.index.glob(source.root, source.leaf.glob)) {
    yield refOf([
      item.type === 'file'
        ? { source, type: 'file', path: item.path, entry: item.entry }
        : { source, type: 'dir', path: item.path },
    ]);
  }
}

function childrenShareSlots(children: readonly PipelineInput[]): boolean {
  const seen = new Set<string>();
  for (const child of children) {
    const keys = new Set(leavesOf(child).map(leafKey));
    for (const key of keys) {
      if (seen.has(key)) return true;
    }
    for (const key of keys) seen.add(key);
  }
  return false;
}
