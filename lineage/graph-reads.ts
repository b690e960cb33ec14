/** Reads of the graph shared by the upstream and downstream walks. */
import { JobStore } from '../pipelines/jobs/job-store.ts';
import type { JobRecord } from '../pipelines/jobs/records.ts';
import type { CommitInfo } from '../versioning/api.ts';
import { InvalidArgumentError, NotFoundError } from '../versioning/errors.ts';
import type { CommitId, CommitSetId, FilePath, RepoName } from '../versioning/ids.ts';
import type { KvStore } from '../versioning/ports.ts';
import { type CommitRef, formatCommitRef } from '../versioning/refs.ts';
import {
  type LineageDeps,
  type LineageRef,
  lineageRefText,
  type Producer,
  type TraceOptions,
} from './model.ts';
import type { ProvenanceRecord } from './provenance.ts';

const DEFAULT_MAX_DEPTH = 64;

/**
 * Pins a ref the user gave (a branch, `^N` ancestry, an optional path) to the commit it names
 * now, so the trace describes one immutable commit.
 */
export async function resolveLineageRef(
  deps: LineageDeps,
  ref: CommitRef & { readonly path?: FilePath },
): Promise<LineageRef> {
  try {
    const commit = await deps.versioning.inspectCommit(ref);
    return { repo: ref.repo, commit: commit.id, ...(ref.path ? { path: ref.path } : {}) };
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const path = ref.path ? `:${ref.path}` : '';
    throw new NotFoundError(`cannot trace ${formatCommitRef(ref)}${path}: ${error.message}`, {
      cause: error,
    });
  }
}

/** Provenance records with their job's state, each job read once per trace. */
export class ProducerLookup {
  readonly #jobs: JobStore;
  readonly #records = new Map<string, Promise<JobRecord | undefined>>();

  constructor(kv: KvStore) {
    this.#jobs = new JobStore(kv);
  }

  job(pipeline: RepoName, job: CommitSetId): Promise<JobRecord | undefined> {
    const key = `${pipeline}@${job}`;
    let record = this.#records.get(key);
    if (!record) {
      record = this.#jobs.findJob(pipeline, job);
      this.#records.set(key, record);
    }
    return record;
  }

  async of(provenance: ProvenanceRecord): Promise<Producer> {
    const job = await this.job(provenance.pipeline, provenance.job);
    return {
      pipeline: provenance.pipeline,
      specVersion: provenance.specVersion,
      specHash: provenance.specHash,
      image: provenance.image,
      job: provenance.job,
      jobState: job?.state ?? null,
      inputs: provenance.inputs,
    };
  }
}

export async function inspectStart(deps: LineageDeps, ref: LineageRef): Promise<CommitInfo> {
  try {
    return await deps.versioning.inspectCommit(commitRef(ref.repo, ref.commit));
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    throw new NotFoundError(`cannot trace ${lineageRefText(ref)}: ${error.message}`, { cause: error });
  }
}

export function distinctCommits<T extends { readonly repo: RepoName; readonly commit: CommitId }>(
  inputs: readonly T[],
): { repo: RepoName; commit: CommitId }[] {
  const seen = new Map<string, { repo: RepoName; commit: CommitId }>();
  for (const { repo, commit } of inputs) seen.set(commitKey(repo, commit), { repo, commit });
  return [...seen.values()];
}

export function depthOption(options: TraceOptions): number {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 0) {
    throw new InvalidArgumentError(`invalid maxDepth ${maxDepth}: expected a whole number of at least 0`);
  }
  return maxDepth;
}

export const commitKey = (repo: RepoName, commit: CommitId) => `${repo}@${commit}`;

export function commitRef(repo: RepoName, commit: CommitId): CommitRef {
  return { repo, base: { kind: 'commit', commit }, ancestors: 0 };
}
