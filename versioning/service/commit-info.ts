import type { CommitInfo } from '../api.ts';
import type { CommitRecord, FinishRecord } from '../graph/records.ts';
import type { CommitId } from '../ids.ts';

export function toCommitInfo(
  commit: CommitRecord,
  finish: FinishRecord | undefined,
  children: readonly CommitId[],
): CommitInfo {
  return {
    repo: commit.repo,
    id: commit.id,
    branch: commit.branch,
    parent: commit.parent,
    children,
    origin: commit.origin,
    description: finish?.description ?? commit.description,
    started: commit.started,
    finished: finish?.finished ?? null,
    state: !finish ? 'open' : finish.error ? 'failed' : 'finished',
    globalId: commit.commitSet,
    fileCount: finish ? finish.fileCount : null,
    sizeBytes: finish ? finish.totalBytes : null,
    root: finish?.root ?? null,
    error: finish?.error ?? null,
  };
}
