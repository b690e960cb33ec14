/**
 * The versioning service: repos, branches, commits and files on any ObjectStore + KvStore pair.
 * It holds no state of its own between calls, so any number of processes (CLI invocations, a
 * local engine, Lambda functions) can serve the same store at once.
 */
import type {
  BranchInfo,
  CommitInfo,
  FileDiff,
  FileInfo,
  FileSource,
  PutResult,
  RepoInfo,
  TransferProgress,
  VersioningApi,
} from './api.ts';
import { ConflictError, InvalidArgumentError } from './errors.ts';
import { kvKeys } from './graph/keys.ts';
import { DeltaRunWriter } from './graph/staging.ts';
import type { BranchName, FilePath, ObjectHash, RepoName } from './ids.ts';
import { parseCommitId } from './ids.ts';
import { allPages, type ByteRange, type Page } from './ports.ts';
import { type BranchRef, type CommitRef, type FileRef, formatCommitRef } from './refs.ts';
import { toCommitInfo } from './service/commit-info.ts';
import { Commits, type StartOptions } from './service/commits.ts';
import { makeContext, type ServiceContext, type ServiceDeps } from './service/context.ts';
import { Files } from './service/files.ts';
import { Repos } from './service/repos.ts';
import type { TreeChange } from './tree/types.ts';

export type { ServiceDeps };

const DEFAULT_PAGE = 100;

export class VersioningService implements VersioningApi {
  readonly #ctx: ServiceContext;
  readonly #commits: Commits;
  readonly #repos: Repos;
  readonly #files: Files;

  constructor(deps: ServiceDeps) {
    this.#ctx = makeContext(deps);
    this.#commits = new Commits(this.#ctx);
    this.#repos = new Repos(this.#ctx, this.#commits);
    this.#files = new Files(this.#ctx, this.#commits);
  }

  createRepo(repo: RepoName, options?: { description?: string }): Promise<RepoInfo> {
    return this.#repos.create(repo, options);
  }

  listRepos(): Promise<RepoInfo[]> {
    return this.#repos.list();
  }

  inspectRepo(repo: RepoName): Promise<RepoInfo> {
    return this.#repos.inspect(repo);
  }

  deleteRepo(repo: RepoName, options?: { force?: boolean }): Promise<void> {
    return this.#repos.delete(repo, options);
  }

  createBranch(
    branch: BranchRef,
    options?: { head?: CommitRef; provenance?: readonly BranchRef[] },
  ): Promise<BranchInfo> {
    return this.#repos.createBranch(branch, options);
  }

  listBranches(repo: RepoName): Promise<BranchInfo[]> {
    return this.#repos.listBranches(repo);
  }

  inspectBranch(branch: BranchRef): Promise<BranchInfo> {
    return this.#repos.inspectBranch(branch);
  }

  deleteBranch(branch: BranchRef): Promise<void> {
    return this.#repos.deleteBranch(branch);
  }

  /** Beyond the API: pipelines open their output commits with origin 'pipeline' in a given commit set. */
  startCommit(branch: BranchRef, options?: StartOptions): Promise<CommitInfo> {
    return this.#commits.start(branch.repo, branch.branch, options);
  }

  /** Beyond the API: a failed job finishes its output commit with an `error`. */
  finishCommit(ref: CommitRef, options?: { description?: string; error?: string }): Promise<CommitInfo> {
    return this.#commits.finish(ref, options);
  }

  /** Writes a batch of tree changes (in any order) into `target` as one write. */
  async writeChanges(
    target: CommitRef,
    changes: AsyncIterable<TreeChange> | Iterable<TreeChange>,
  ): Promise<CommitInfo> {
    const runs = new DeltaRunWriter(this.#ctx.objects);
    for await (const change of changes) await runs.add(change);
    return this.#commits.write(target, await runs.finish());
  }

  /** The root of a commit's file tree (its staged writes applied, when open). */
  async treeRoot(ref: CommitRef): Promise<ObjectHash> {
    return this.#commits.viewRoot(await this.#ctx.graph.resolve(ref));
  }

  async inspectCommit(ref: CommitRef): Promise<CommitInfo> {
    const { commit, finish } = await this.#ctx.graph.resolve(ref);
    return toCommitInfo(commit, finish, await this.#ctx.graph.children(commit.repo, commit.id));
  }

  async listCommits(
    repo: RepoName,
    options: { branch?: BranchName; limit?: number; after?: string } = {},
  ): Promise<Page<CommitInfo>> {
    const limit = options.limit ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InvalidArgumentError(`invalid limit ${limit}: expected a whole number of at least 1`);
    }
    await this.#ctx.graph.getRepo(repo);
    return options.branch
      ? this.#branchHistory(repo, options.branch, limit, options.after)
      : this.#repoHistory(repo, limit, options.after);
  }

  dropCommit(ref: CommitRef): Promise<void> {
    return this.#commits.drop(ref);
  }

  async revert(ref: CommitRef, options: { description?: string } = {}): Promise<CommitInfo> {
    const resolved = await this.#ctx.graph.resolveFinished(ref);
    const { commit } = resolved;
    const branch = ref.base.kind === 'branch' ? ref.base.branch : commit.branch;
    if (branch === null) {
      throw new InvalidArgumentError(
        `commit ${commit.repo}@${commit.id} is on no branch; revert it through a branch ref`,
      );
    }
    const target: CommitRef = { repo: commit.repo, base: { kind: 'branch', branch }, ancestors: 0 };
    const head = await this.#ctx.graph.resolve(target);
    if (!head.finish) {
      throw new ConflictError(
        `${formatCommitRef(target)} has an open commit ${head.commit.id}; finish it before reverting`,
      );
    }
    const runs = new DeltaRunWriter(this.#ctx.objects);
    for await (const change of this.#files.revertChanges(resolved)) await runs.add(change);
    return this.#commits.write(target, await runs.finish(), {
      origin: 'revert',
      description: options.description ?? `Revert ${commit.repo}@${commit.id}`,
    });
  }

  putFiles(
    target: CommitRef,
    sources: AsyncIterable<FileSource> | Iterable<FileSource>,
    options?: { append?: boolean; onProgress?: (progress: TransferProgress) => void },
  ): Promise<PutResult> {
    return this.#files.put(target, sources, options);
  }

  deleteFiles(target: CommitRef, paths: readonly FilePath[]): Promise<CommitInfo> {
    return this.#files.delete(target, paths);
  }

  copyFiles(
    source: FileRef,
    target: CommitRef,
    path: FilePath,
    options?: { append?: boolean },
  ): Promise<CommitInfo> {
    return this.#files.copy(source, target, path, options);
  }

  readFile(ref: FileRef, range?: ByteRange): AsyncIterable<Uint8Array> {
    return this.#files.read(ref, range);
  }

  statFile(ref: FileRef): Promise<FileInfo> {
    return this.#files.stat(ref);
  }

  listFiles(ref: FileRef): AsyncIterable<FileInfo> {
    return this.#files.list(ref);
  }

  walkFiles(ref: FileRef): AsyncIterable<FileInfo> {
    return this.#files.walk(ref);
  }

  globFiles(ref: CommitRef, pattern: string): AsyncIterable<FileInfo> {
    return this.#files.glob(ref, pattern);
  }

  diffFiles(newRef: FileRef, oldRef?: FileRef): AsyncIterable<FileDiff> {
    return this.#files.diff(newRef, oldRef);
  }

  /** A branch's ancestry, newest first; `after` is the last commit ID of the previous page. */
  async #branchHistory(
    repo: RepoName,
    branch: BranchName,
    limit: number,
    after?: string,
  ): Promise<Page<CommitInfo>> {
    const { graph } = this.#ctx;
    let id = after
      ? (await graph.getCommit(repo, parseCommitId(after))).parent
      : (await graph.getBranch(repo, branch)).record.head;
    const items: CommitInfo[] = [];
    while (id !== null && items.length < limit) {
      const { commit, finish } = await graph.resolveCommit(repo, id);
      items.push(toCommitInfo(commit, finish, await graph.children(repo, id)));
      id = commit.parent;
    }
    const last = items[items.length - 1];
    return id !== null && last ? { items, next: last.id } : { items };
  }

  /** Every commit of the repo, newest first; `after` is the previous page's cursor. */
  async #repoHistory(repo: RepoName, limit: number, after?: string): Promise<Page<CommitInfo>> {
    const { graph, kv } = this.#ctx;
    const prefix = kvKeys.commitLogPrefix(repo);
    if (after !== undefined && !after.startsWith(prefix)) {
      throw new InvalidArgumentError(
        `invalid cursor ${JSON.stringify(after)}: pass the 'next' value of the previous page of ${repo}`,
      );
    }
    const items: CommitInfo[] = [];
    let cursor = after;
    for await (const item of allPages((from) => kv.scan(prefix, { after: from ?? cursor, limit }))) {
      const id = parseCommitId(item.key.slice(item.key.lastIndexOf('/') + 1));
      const { commit, finish } = await graph.resolveCommit(repo, id);
      cursor = item.key;
      if (finish?.dropped) continue;
      items.push(toCommitInfo(commit, finish, await graph.children(repo, id)));
      if (items.length === limit) break;
    }
    const more =
      cursor !== undefined && (await kv.scan(prefix, { after: cursor, limit: 1 })).items.length > 0;
    return more && cursor ? { items, next: cursor } : { items };
  }
}
