/**
 * The KV layout of the commit graph. Every record is written once (put-if-absent) except branch
 * heads and a commit's staging head, which move only by compare-and-set.
 */
import type { BranchName, CommitId, CommitSetId, RepoName } from '../ids.ts';

export const kvKeys = {
  repo: (repo: RepoName) => `repo/${repo}`,
  repoPrefix: () => 'repo/',
  branch: (repo: RepoName, branch: BranchName) => `branch/${repo}/${branch}`,
  branchPrefix: (repo: RepoName) => `branch/${repo}/`,
  commit: (repo: RepoName, id: CommitId) => `commit/${repo}/${id}`,
  commitPrefix: (repo: RepoName) => `commit/${repo}/`,
  /** Newest-first listing: the key sorts by the commit's inverted start order (see startOrder). */
  commitLog: (repo: RepoName, order: string, id: CommitId) => `commitlog/${repo}/${order}/${id}`,
  commitLogPrefix: (repo: RepoName) => `commitlog/${repo}/`,
  child: (repo: RepoName, parent: CommitId, child: CommitId) => `child/${repo}/${parent}/${child}`,
  childPrefix: (repo: RepoName, parent: CommitId) => `child/${repo}/${parent}/`,
  childRepoPrefix: (repo: RepoName) => `child/${repo}/`,
  finish: (repo: RepoName, id: CommitId) => `finish/${repo}/${id}`,
  finishPrefix: (repo: RepoName) => `finish/${repo}/`,
  stage: (repo: RepoName, id: CommitId) => `stage/${repo}/${id}`,
  stagePrefix: (repo: RepoName) => `stage/${repo}/`,
  view: (repo: RepoName, id: CommitId) => `view/${repo}/${id}`,
  delta: (repo: RepoName, commit: CommitId, deltaId: string) => `delta/${repo}/${commit}/${deltaId}`,
  deltaRepoPrefix: (repo: RepoName) => `delta/${repo}/`,
  /** Reverse provenance: `downstream` depends on `upstream`; blocks deleting `upstream`. */
  dependent: (upstream: RepoName, downstream: RepoName, branch: BranchName) =>
    `dependent/${upstream}/${downstream}/${branch}`,
  dependentPrefix: (upstream: RepoName) => `dependent/${upstream}/`,
  commitSetMember: (set: CommitSetId, repo: RepoName, id: CommitId) => `commitset/${set}/${repo}/${id}`,
  commitSetPrefix: (set: CommitSetId) => `commitset/${set}/`,
} as const;
