/**
 * The KV layout of pipelines and jobs. Pipeline records and job records move by
 * compare-and-set; spec versions, provenance and subscriptions are written once.
 */
import type { BranchName, CommitSetId, RepoName } from '../../versioning/ids.ts';

export const pipelineKeys = {
  pipeline: (name: RepoName) => `pipeline/${name}`,
  pipelinePrefix: () => 'pipeline/',
  specVersion: (name: RepoName, version: number) =>
    `pipelinespec/${name}/${String(version).padStart(8, '0')}`,
  specVersionPrefix: (name: RepoName) => `pipelinespec/${name}/`,
  /** The pipeline reads `repo@branch`: a commit finished there fires it. */
  subscription: (repo: RepoName, branch: BranchName, pipeline: RepoName) =>
    `subscription/${repo}/${branch}/${pipeline}`,
  subscriptionPrefix: (repo: RepoName, branch: BranchName) => `subscription/${repo}/${branch}/`,
  job: (pipeline: RepoName, commitSet: CommitSetId) => `job/${pipeline}/${commitSet}`,
  jobPrefix: (pipeline: RepoName) => `job/${pipeline}/`,
  /** Jobs of one commit set, for `inspect commitset`. */
  commitSetJob: (commitSet: CommitSetId, pipeline: RepoName) => `commitsetjob/${commitSet}/${pipeline}`,
  commitSetJobPrefix: (commitSet: CommitSetId) => `commitsetjob/${commitSet}/`,
  /** Jobs in start order, newest first, for `list job`. */
  jobLog: (pipeline: RepoName, createdMs: number, commitSet: CommitSetId) =>
    `joblog/${pipeline}/${String(9_999_999_999_999 - createdMs).padStart(13, '0')}/${commitSet}`,
  jobLogPrefix: (pipeline: RepoName) => `joblog/${pipeline}/`,
} as const;
