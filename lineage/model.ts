/**
 * The values lineage walks return: an upstream tree of commits, files and datums, and the list
 * of commits downstream of one. See index.ts for the rules they follow.
 */
import type { DatumId } from '../pipelines/datums/index.ts';
import type { JobState } from '../pipelines/jobs/records.ts';
import type { CommitOrigin, CommitState } from '../versioning/api.ts';
import type { CommitId, CommitSetId, FileHash, FilePath, RepoName } from '../versioning/ids.ts';
import type { KvStore, ObjectStore } from '../versioning/ports.ts';
import type { VersioningService } from '../versioning/service.ts';
import type { ProvenanceRecord } from './provenance.ts';

export interface LineageDeps {
  readonly versioning: Pick<VersioningService, 'inspectCommit' | 'statFile'>;
  readonly kv: KvStore;
  readonly objects: ObjectStore;
}

/** Where a trace starts: a commit, or one file of it. */
export interface LineageRef {
  readonly repo: RepoName;
  readonly commit: CommitId;
  readonly path?: FilePath;
}

export interface TraceOptions {
  /** Commits to walk away from the start before stopping. @default 64 */
  readonly maxDepth?: number;
}

/** What computed a pipeline's output commit: its provenance record, with the job's state. */
export interface Producer {
  readonly pipeline: RepoName;
  readonly specVersion: number;
  readonly specHash: string;
  readonly image: string | null;
  /** The job, named by its pipeline and global ID. */
  readonly job: CommitSetId;
  /** Null when the job record is gone (its pipeline was deleted). */
  readonly jobState: JobState | null;
  readonly inputs: ProvenanceRecord['inputs'];
}

/** One datum that wrote a traced file. */
export interface DatumStep {
  readonly id: DatumId;
  /** The job that ran the datum: the producing job, or an earlier one whose output was reused. */
  readonly source: CommitSetId;
  /** The producing job reused this datum's output from `source` instead of running it. */
  readonly skipped: boolean;
  /** The datum's input files, each with its own lineage, in the order the datum result lists them. */
  readonly inputs: readonly { readonly name: string; readonly file: LineageNode }[];
}

export interface LineageNode {
  readonly repo: RepoName;
  readonly commit: CommitId;
  /** The traced file, or null when the whole commit is traced. */
  readonly path: FilePath | null;
  /** The file's content hash; null for a commit. */
  readonly hash: FileHash | null;
  readonly state: CommitState;
  readonly globalId: CommitSetId;
  readonly origin: CommitOrigin;
  /** What computed the commit; null for an origin commit, where lineage ends. */
  readonly producer: Producer | null;
  /** For a file of a pipeline output: the datums whose outputs make it, in datum-ID order. */
  readonly datums: readonly DatumStep[];
  /** For a whole pipeline output commit: the lineage of each distinct input commit. */
  readonly inputCommits: readonly LineageNode[];
  /** Set when the walk stopped here although the commit has a producer. */
  readonly stopped: 'depth-limit' | 'cycle' | null;
}

/** A commit computed, directly or through other steps, from the commit `downstream` started at. */
export interface DownstreamCommit {
  readonly repo: RepoName;
  readonly commit: CommitId;
  readonly state: CommitState;
  readonly producer: Producer;
  /** The commits it was computed from that are the start or earlier steps of the walk. */
  readonly from: readonly { readonly repo: RepoName; readonly commit: CommitId }[];
  /** Pipeline hops from the start: 1 when computed from it directly. */
  readonly depth: number;
}

/** `repo@commit` or `repo@commit:/path`, as the CLI takes it. */
export function lineageRefText(ref: {
  readonly repo: RepoName;
  readonly commit: CommitId;
  readonly path?: FilePath | null;
}): string {
  return `${ref.repo}@${ref.commit}${ref.path ? `:${ref.path}` : ''}`;
}
