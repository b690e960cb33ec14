/**
 * Commit sets (global IDs) seen whole: every commit of the set and every job it caused, for
 * `strata inspect commitset` and `strata wait commitset`.
 *
 * Rules:
 * - A set is complete when every member commit is finished (with or without an error), every
 *   job of the set has ended, and no pipeline is still due to start a job in it.
 * - A pipeline is due when it is subscribed to the branch of a finished member commit, has no
 *   job in the set yet, was running and already existed when that commit finished, and has a
 *   commit on each of its inputs: the dispatcher is then between the CommitFinished event and
 *   creating the job, and will create it. Without this rule a wait started right after a write
 *   would return before the pipelines downstream had begun.
 * - Waiting polls the stores, so jobs run by another process (a `strata local up` engine) count.
 */
import { commitSetMembers } from '../lineage/commit-set.ts';
import type { CommitInfo } from '../versioning/api.ts';
import { CorruptDataError, NotFoundError } from '../versioning/errors.ts';
import { type CommitSetId, parseRepoName, type RepoName } from '../versioning/ids.ts';
import { allPages, type KvStore } from '../versioning/ports.ts';
import type { VersioningService } from '../versioning/service.ts';
import { leavesOf } from './datums/index.ts';
import type { JobStore } from './jobs/job-store.ts';
import { pipelineKeys } from './jobs/keys.ts';
import { type JobRecord, type PipelineRecord, terminalJobStates } from './jobs/records.ts';
import { parsePipelineSpec } from './spec/index.ts';

export interface CommitSetDeps {
  readonly versioning: Pick<VersioningService, 'inspectCommit'>;
  readonly kv: KvStore;
  readonly jobs: JobStore;
}

export interface CommitSetInfo {
  readonly id: CommitSetId;
  /** Every member commit, in start order. */
  readonly commits: readonly CommitInfo[];
  /** Every job of the set, in creation order. */
  readonly jobs: readonly JobRecord[];
  /** Every commit finished, every job ended, and no pipeline still due to start a job. */
  readonly complete: boolean;
  /** What the set still waits for, in words; empty when complete. */
  readonly pending: readonly string[];
}

export interface WaitCommitSetOptions {
  /** Give up after this long and return the set as it is. @default one day */
  readonly timeoutMs?: number;
  /** Time between looks at the stores. @default 100 */
  readonly pollMs?: number;
}

export async function inspectCommitSet(deps: CommitSetDeps, id: CommitSetId): Promise<CommitSetInfo> {
  const commits: CommitInfo[] = [];
  for (const member of await commitSetMembers(deps.kv, id)) {
    try {
      commits.push(
        await deps.versioning.inspectCommit({
          repo: member.repo,
          base: { kind: 'commit', commit: member.commit },
          ancestors: 0,
        }),
      );
    } catch (error) {
      // A dropped commit keeps its membership key but is no longer part of the set.
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  const jobs = await deps.jobs.jobsOfCommitSet(id);
  if (commits.length === 0 && jobs.length === 0) {
    throw new NotFoundError(
      `commit set ${id} not found: no commit or job has this global ID; a commit's global ID is shown by 'strata inspect commit repo@<commit>'`,
    );
  }
  commits.sort((a, b) => compareText(a.started, b.started) || compareText(a.repo, b.repo));
  jobs.sort((a, b) => compareText(a.created, b.created) || compareText(a.pipeline, b.pipeline));

  const pending: string[] = [];
  for (const commit of commits) {
    if (commit.state === 'open') pending.push(`commit ${commit.repo}@${commit.id} is open`);
  }
  for (const job of jobs) {
    if (!terminalJobStates.has(job.state))
      pending.push(`job ${job.pipeline}@${job.commitSet} is ${job.state}`);
  }
  pending.push(...(await pipelinesDue(deps, commits, jobs)));
  return { id, commits, jobs, complete: pending.length === 0, pending };
}

/** Resolves with the set once it is complete, or as it stands when `timeoutMs` runs out. */
export async function waitCommitSet(
  deps: CommitSetDeps,
  id: CommitSetId,
  options: WaitCommitSetOptions = {},
): Promise<CommitSetInfo> {
  const deadline = Date.now() + (options.timeoutMs ?? 24 * 3600_000);
  const pollMs = options.pollMs ?? 100;
  for (;;) {
    const info = await inspectCommitSet(deps, id);
    if (info.complete || Date.now() >= deadline) return info;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
  }
}

/** Pipelines the dispatcher will start a job for in this set, but has not yet (see the rules). */
async function pipelinesDue(
  deps: CommitSetDeps,
  commits: readonly CommitInfo[],
  jobs: readonly JobRecord[],
): Promise<string[]> {
  const accounted = new Set<RepoName>(jobs.map((job) => job.pipeline));
  const due: string[] = [];
  for (const commit of commits) {
    if (commit.finished === null || commit.branch === null) continue;
    const prefix = pipelineKeys.subscriptionPrefix(commit.repo, commit.branch);
    for await (const item of allPages((after) => deps.kv.scan(prefix, { after }))) {
      const name = subscribedPipeline(item.key, prefix);
      if (accounted.has(name)) continue;
      const pipeline = await deps.jobs.findPipeline(name);
      if (pipeline?.state !== 'running' || pipeline.created > commit.finished) continue;
      if (!(await hasEveryInput(deps, pipeline, commits))) continue;
      accounted.add(name);
      due.push(`pipeline ${name} has not started its job for ${commit.repo}@${commit.id} yet`);
    }
  }
  return due;
}

/** Mirrors the dispatcher: an input is there when the set or its branch holds a usable commit. */
async function hasEveryInput(
  deps: CommitSetDeps,
  pipeline: PipelineRecord,
  commits: readonly CommitInfo[],
): Promise<boolean> {
  const { spec } = parsePipelineSpec(pipeline.specText, `${pipeline.name} v${pipeline.version}`);
  for (const leaf of leavesOf(spec.input)) {
    if (commits.some((commit) => commit.repo === leaf.repo && commit.state !== 'open')) continue;
    try {
      const head = await deps.versioning.inspectCommit({
        repo: leaf.repo,
        base: { kind: 'branch', branch: leaf.branch },
        ancestors: 0,
      });
      if (head.state === 'open' && head.parent === null) return false;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }
  return true;
}

function subscribedPipeline(key: string, prefix: string): RepoName {
  try {
    return parseRepoName(key.slice(prefix.length));
  } catch (error) {
    // Keys are written from parsed names, so a key that fails to parse is corrupt data.
    throw new CorruptDataError(`subscription key ${key} holds an invalid pipeline name`, { cause: error });
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
