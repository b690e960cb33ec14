/**
 * Reads the commit graph and resolves references. Writes live beside the operations that make
 * them (repos.ts, commits.ts); this class only reads, so it can be shared freely.
 */
import { ConflictError, CorruptDataError, NotFoundError } from '../errors.ts';
import { type BranchName, type CommitId, parseBranchName, parseCommitId, type RepoName } from '../ids.ts';
import { allPages, type KvStore } from '../ports.ts';
import { type CommitRef, formatCommitRef } from '../refs.ts';
import { kvKeys } from './keys.ts';
import {
  type BranchRecord,
  branchRecord,
  type CommitRecord,
  commitRecord,
  decodeRecord,
  type FinishRecord,
  finishRecord,
  type RepoRecord,
  repoRecord,
  type StageRecord,
  stageRecord,
} from './records.ts';

export interface Versioned<T> {
  readonly record: T;
  readonly version: number;
}

/** A commit with its finish record, if it has one. */
export interface ResolvedCommit {
  readonly commit: CommitRecord;
  readonly finish: FinishRecord | undefined;
}

export class CommitGraph {
  readonly kv: KvStore;

  constructor(kv: KvStore) {
    this.kv = kv;
  }

  async findRepo(repo: RepoName): Promise<RepoRecord | undefined> {
    const key = kvKeys.repo(repo);
    const item = await this.kv.get(key);
    return item && decodeRecord(repoRecord, key, item.value);
  }

  async getRepo(repo: RepoName): Promise<RepoRecord> {
    const found = await this.findRepo(repo);
    if (!found) {
      throw new NotFoundError(`repo ${repo} not found; create it with 'strata create repo ${repo}'`);
    }
    return found;
  }

  async listRepos(): Promise<RepoRecord[]> {
    const repos: RepoRecord[] = [];
    for await (const item of allPages((after) => this.kv.scan(kvKeys.repoPrefix(), { after }))) {
      repos.push(decodeRecord(repoRecord, item.key, item.value));
    }
    return repos;
  }

  async findBranch(repo: RepoName, branch: BranchName): Promise<Versioned<BranchRecord> | undefined> {
    const key = kvKeys.branch(repo, branch);
    const item = await this.kv.get(key);
    return item && { record: decodeRecord(branchRecord, key, item.value), version: item.version };
  }

  async getBranch(repo: RepoName, branch: BranchName): Promise<Versioned<BranchRecord>> {
    const found = await this.findBranch(repo, branch);
    if (found) return found;
    await this.getRepo(repo);
    throw new NotFoundError(
      `branch ${repo}@${branch} not found; list branches with 'strata list branch ${repo}'`,
    );
  }

  async listBranches(repo: RepoName): Promise<{ branch: BranchName; record: BranchRecord }[]> {
    const prefix = kvKeys.branchPrefix(repo);
    const branches: { branch: BranchName; record: BranchRecord }[] = [];
    for await (const item of allPages((after) => this.kv.scan(prefix, { after }))) {
      const record = decodeRecord(branchRecord, item.key, item.value);
      branches.push({ branch: branchNameOf(item.key, prefix), record });
    }
    return branches;
  }

  async findCommit(repo: RepoName, id: CommitId): Promise<CommitRecord | undefined> {
    const key = kvKeys.commit(repo, id);
    const item = await this.kv.get(key);
    return item && decodeRecord(commitRecord, key, item.value);
  }

  async getCommit(repo: RepoName, id: CommitId): Promise<CommitRecord> {
    const found = await this.findCommit(repo, id);
    if (found) return found;
    await this.getRepo(repo);
    throw new NotFoundError(`commit ${repo}@${id} not found`);
  }

  async findFinish(repo: RepoName, id: CommitId): Promise<FinishRecord | undefined> {
    const key = kvKeys.finish(repo, id);
    const item = await this.kv.get(key);
    return item && decodeRecord(finishRecord, key, item.value);
  }

  async getStage(repo: RepoName, id: CommitId): Promise<Versioned<StageRecord>> {
    const key = kvKeys.stage(repo, id);
    const item = await this.kv.get(key);
    if (!item) throw new NotFoundError(`commit ${repo}@${id} has no staging record`);
    return { record: decodeRecord(stageRecord, key, item.value), version: item.version };
  }

  async resolveCommit(repo: RepoName, id: CommitId): Promise<ResolvedCommit> {
    const [commit, finish] = await Promise.all([this.getCommit(repo, id), this.findFinish(repo, id)]);
    return { commit, finish };
  }

  /** Resolves a ref to a commit, walking `^N` ancestry. Dropped commits are not found. */
  async resolve(ref: CommitRef): Promise<ResolvedCommit> {
    let id: CommitId;
    if (ref.base.kind === 'branch') {
      id = (await this.getBranch(ref.repo, ref.base.branch)).record.head;
    } else {
      id = ref.base.commit;
    }
    let resolved = await this.resolveCommit(ref.repo, id);
    if (resolved.finish?.dropped) {
      throw new NotFoundError(`commit ${ref.repo}@${id} was dropped`);
    }
    for (let step = 0; step < ref.ancestors; step++) {
      const parent = resolved.commit.parent;
      if (parent === null) {
        throw new NotFoundError(
          `${formatCommitRef(ref)} does not exist: ${ref.repo}@${id} has only ${step} ancestor(s)`,
        );
      }
      resolved = await this.resolveCommit(ref.repo, parent);
    }
    return resolved;
  }

  /** Resolves a ref that must name a finished, successful commit (what reads and diffs use). */
  async resolveFinished(ref: CommitRef): Promise<ResolvedCommit & { finish: FinishRecord }> {
    const resolved = await this.resolve(ref);
    const { finish } = resolved;
    if (!finish) {
      throw new ConflictError(`commit ${ref.repo}@${resolved.commit.id} is still open; finish it first`);
    }
    return { ...resolved, finish };
  }

  async children(repo: RepoName, id: CommitId): Promise<CommitId[]> {
    const prefix = kvKeys.childPrefix(repo, id);
    const children: CommitId[] = [];
    for await (const item of allPages((after) => this.kv.scan(prefix, { after }))) {
      const child = item.key.slice(prefix.length);
      const record = await this.findCommit(repo, commitIdOf(item.key, child));
      const finish = record && (await this.findFinish(repo, record.id));
      if (record && !finish?.dropped) children.push(record.id);
    }
    return children;
  }
}

// Keys were written from parsed names, so a key that fails to parse is corrupt data.
function branchNameOf(key: string, prefix: string): BranchName {
  return parseStoredKeyPart(key, key.slice(prefix.length), parseBranchName);
}

function commitIdOf(key: string, text: string): CommitId {
  return parseStoredKeyPart(key, text, parseCommitId);
}

function parseStoredKeyPart<T>(key: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (error) {
    throw new CorruptDataError(`KV key ${key} holds an invalid name ${JSON.stringify(text)}`, {
      cause: error,
    });
  }
}
