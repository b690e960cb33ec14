/**
 * Commit-set membership: every commit of a global ID, read from the graph's membership index
 * (`commitset/<set>/<repo>/<commit>`, written with the commit record and removed only when a
 * commit is dropped before it is visible).
 */
import { CorruptDataError } from '../versioning/errors.ts';
import { kvKeys } from '../versioning/graph/keys.ts';
import {
  type CommitId,
  type CommitSetId,
  parseCommitId,
  parseRepoName,
  type RepoName,
} from '../versioning/ids.ts';
import { allPages, type KvStore } from '../versioning/ports.ts';

export interface CommitSetMember {
  readonly repo: RepoName;
  readonly commit: CommitId;
}

/** The commits of the set, in key order (by repo, then commit ID). */
export async function commitSetMembers(kv: KvStore, set: CommitSetId): Promise<CommitSetMember[]> {
  const prefix = kvKeys.commitSetPrefix(set);
  const members: CommitSetMember[] = [];
  for await (const item of allPages((after) => kv.scan(prefix, { after }))) {
    const [repo, commit, ...rest] = item.key.slice(prefix.length).split('/');
    if (repo === undefined || commit === undefined || rest.length > 0) {
      throw new CorruptDataError(`commit-set key ${item.key} is not ${prefix}<repo>/<commit>`);
    }
    try {
      members.push({ repo: parseRepoName(repo), commit: parseCommitId(commit) });
    } catch (error) {
      // Keys are written from parsed names, so a key that fails to parse is corrupt data.
      throw new CorruptDataError(`commit-set key ${item.key} holds an invalid name`, { cause: error });
    }
  }
  return members;
}
