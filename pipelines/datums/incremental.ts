/**
 * Incremental planning: which datums of a new job must run, which can reuse the output recorded
 * by the previous job (same datum ID, same datum hash), and which of the previous job's datums no
 * longer exist (their outputs must leave the output commit).
 *
 * Strategies, chosen per job and reported with the reason:
 * - `first-job`: no previous job; every datum runs.
 * - `reprocess`: `update pipeline --reprocess` or reprocess_spec "every_job"; every datum runs.
 * - `diff`: the input tree is pfs/cron inputs and unions of them, unchanged since the previous
 *   job, as are the salt and spec identity. FileIndex.diff between each input's previous and new
 *   root lists the changed files; a changed file touches the glob matches that hold it (the file
 *   itself and each directory above it that the glob matches); only those datums are read and
 *   hashed. Every other datum of the previous job is carried over by ID without reading its
 *   files. Cost: O(changed files × depth) node reads and O(touched datums) table lookups, plus
 *   the files of the touched datums; consuming `toSkip()` also scans the previous table.
 * - `full`: anything else (cross, join and group, whose datums combine matches across inputs, or
 *   a changed spec): every datum is enumerated and hashed and its hash compared with the previous
 *   table. Nothing unchanged re-runs, but planning reads every input file's entry, and holds one
 *   reference per datum (bounded by maxMatchesInMemory).
 *
 * The previous job must be one whose datums all succeeded (or were skipped): its table is taken
 * as the complete list of its datums. After a failed job, plan against the last successful one.
 */
import type { PipelineInput } from '../spec/input.ts';
import type { Datum, DatumHash, DatumId } from './datum.ts';
import { type DatumRef, hashOfRef, MatchBudget, resolveDatum } from './datum-ref.ts';
import type { DatumTable, DatumTableEntry } from './datum-table.ts';
import { diffPlan } from './diff-plan.ts';
import { compileCaptureGlob } from './glob-capture.ts';
import { isUnionOfLeaves, leavesOf } from './input-tree.ts';
import {
  DEFAULT_MAX_MATCHES_IN_MEMORY,
  type InputCommitLookup,
  type PlanOptions,
  type PlanSources,
  planDatumRefs,
} from './plan.ts';

export interface PreviousJob {
  /** The input tree the previous job was planned from. */
  readonly input: PipelineInput;
  /** The previous job's input commits. */
  readonly commitOf: InputCommitLookup;
  readonly salt: string;
  readonly specIdentity: string;
  /** Every datum of the previous job with its hash (see the module rule on failed jobs). */
  readonly datums: DatumTable;
}

export interface IncrementalPlanRequest extends PlanOptions {
  readonly input: PipelineInput;
  readonly sources: PlanSources;
  /** The pipeline's salt: changing it re-runs every datum. */
  readonly salt: string;
  /** Canonical text of what in the spec shapes outputs (image, cmd, stdin, env, …). */
  readonly specIdentity: string;
  /** The job to reuse outputs from; absent for a pipeline's first job. */
  readonly previous?: PreviousJob;
  /** Run every datum, whatever the previous job recorded. @default false */
  readonly reprocess?: boolean;
}

export type PlanStrategy = 'first-job' | 'reprocess' | 'diff' | 'full';

export interface DatumToRun {
  readonly datum: Datum;
  readonly hash: DatumHash;
}

export interface DatumCounts {
  /** Datums of the new job: toRun + skipped. */
  readonly total: number;
  readonly toRun: number;
  readonly skipped: number;
  /** Datums of the previous job that the new job does not have. */
  readonly removed: number;
}

export interface IncrementalPlan {
  readonly strategy: PlanStrategy;
  /** Why this strategy was chosen, for job logs. */
  readonly reason: string;
  readonly counts: DatumCounts;
  readonly removed: readonly DatumId[];
  /**
   * The datums to run, with their files and the hash to record: in plan order, or for `diff` in
   * the order of the changed paths. Directory matches are read again on each call.
   */
  toRun(): AsyncIterable<DatumToRun>;
  /** The datums whose earlier output is reused, with their (unchanged) hash. */
  toSkip(): AsyncIterable<DatumTableEntry>;
}

/** Table lookups in flight at once, so a KV-backed table's latency overlaps. */
const LOOKUP_BATCH = 64;

export async function planIncremental(request: IncrementalPlanRequest): Promise<IncrementalPlan> {
  const { previous } = request;
  if (previous === undefined) return fullPlan(request, 'first-job', 'the pipeline has no earlier job');
  if (request.reprocess) {
    return fullPlan(request, 'reprocess', 'reprocessing was asked for: every datum runs');
  }
  const obstacle = diffObstacle(request, previous);
  if (obstacle !== undefined) return fullPlan(request, 'full', obstacle);
  const diff = await diffPlan(request, previous);
  return {
    strategy: 'diff',
    reason: `${diff.touched} glob match(es) hold files changed since the previous job; the other datums are carried over`,
    counts: diff.counts,
    removed: diff.removed,
    toRun: () => resolved(diff.runs),
    toSkip: diff.skips,
  };
}

/** Why the index diff cannot tell which datums changed, or undefined when it can. */
function diffObstacle(request: IncrementalPlanRequest, previous: PreviousJob): string | undefined {
  if (previous.salt !== request.salt) return 'the salt changed: every datum hash changes';
  if (previous.specIdentity !== request.specIdentity) {
    return 'the transform changed: every datum hash changes';
  }
  if (canonicalJson(previous.input) !== canonicalJson(request.input)) {
    return 'the input spec changed since the previous job';
  }
  if (!isUnionOfLeaves(request.input)) {
    return `a ${request.input.kind} input combines matches of several inputs: every datum is enumerated and its hash compared`;
  }
  for (const leaf of leavesOf(request.input)) {
    if (previous.commitOf(leaf) === undefined) {
      return `the previous job has no commit for input ${JSON.stringify(leaf.name)}`;
    }
    const glob = compileCaptureGlob(leaf.glob);
    if (glob.divergence !== undefined) return glob.divergence;
  }
  return undefined;
}

async function fullPlan(
  request: IncrementalPlanRequest,
  strategy: PlanStrategy,
  reason: string,
): Promise<IncrementalPlan> {
  const budget = new MatchBudget(request.maxMatchesInMemory ?? DEFAULT_MAX_MATCHES_IN_MEMORY);
  const table = strategy === 'full' ? request.previous?.datums : undefined;
  const runs: { ref: DatumRef; hash: DatumHash }[] = [];
  const skips: DatumTableEntry[] = [];
  const seen = new Set<DatumId>();
  let batch: DatumRef[] = [];
  const classify = async (): Promise<void> => {
    const [hashes, before] = await Promise.all([
      Promise.all(batch.map(async (ref) => hashOfRef(ref, request))),
      Promise.all(batch.map(async (ref) => table?.hashOf(ref.id))),
    ]);
    batch.forEach((ref, i) => {
      const hash = hashes[i]!;
      if (before[i] === hash) skips.push({ id: ref.id, hash });
      else runs.push({ ref, hash });
    });
    batch = [];
  };
  for await (const ref of planDatumRefs(request.input, request.sources, request)) {
    budget.take(1, 'an incremental plan that enumerates every datum');
    seen.add(ref.id);
    batch.push(ref);
    if (batch.length === LOOKUP_BATCH) await classify();
  }
  await classify();
  const removed: DatumId[] = [];
  if (request.previous !== undefined) {
    for await (const entry of request.previous.datums.entries()) {
      if (!seen.has(entry.id)) removed.push(entry.id);
    }
  }
  return {
    strategy,
    reason,
    counts: {
      total: runs.length + skips.length,
      toRun: runs.length,
      skipped: skips.length,
      removed: removed.length,
    },
    removed,
    toRun: () => resolved(runs),
    toSkip: () => fromArray(skips),
  };
}

async function* resolved(
  runs: readonly { readonly ref: DatumRef; readonly hash: DatumHash }[],
): AsyncGenerator<DatumToRun> {
  for (const { ref, hash } of runs) yield { datum: await resolveDatum(ref), hash };
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** JSON with object keys sorted, so two equal input trees give equal text whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    return Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
