/**
 * What the versioning service offers its callers (the CLI, Lambda handlers, the pipeline
 * engine): plain data in, plain data out. Everything here is already parsed — names, refs and
 * paths arrive as branded values made by ids.ts and refs.ts.
 */

import type { CommitOrigin } from './graph/records.ts';
import type { BranchName, CommitId, CommitSetId, FileHash, FilePath, ObjectHash, RepoName } from './ids.ts';
import type { ByteRange, Page } from './ports.ts';
import type { BranchRef, CommitRef, FileRef } from './refs.ts';

export type { CommitOrigin };

export interface RepoInfo {
  readonly name: RepoName;
  readonly description: string;
  readonly created: string;
  readonly branches: readonly BranchName[];
  /** Logical bytes in the head of the repo's default branch ('master' when present, else none). */
  readonly sizeBytes: number;
  readonly commitCount: number;
}

export interface BranchInfo {
  readonly repo: RepoName;
  readonly branch: BranchName;
  readonly head: CommitId;
  readonly created: string;
  readonly provenance: readonly BranchRef[];
}

export type CommitState = 'open' | 'finished' | 'failed';

export interface CommitInfo {
  readonly repo: RepoName;
  readonly id: CommitId;
  /** The branch the commit was started on. */
  readonly branch: BranchName | null;
  readonly parent: CommitId | null;
  readonly children: readonly CommitId[];
  readonly origin: CommitOrigin;
  readonly description: string;
  readonly started: string;
  readonly finished: string | null;
  readonly state: CommitState;
  /** The commit set (global ID) this commit belongs to. */
  readonly globalId: CommitSetId;
  /** Present once finished. */
  readonly fileCount: number | null;
  readonly sizeBytes: number | null;
  readonly root: ObjectHash | null;
  readonly error: string | null;
}

export interface FileInfo {
  readonly path: FilePath;
  readonly type: 'file' | 'dir';
  /** A file's size; for a directory, the total of the files under it. */
  readonly size: number;
  readonly hash: FileHash | null;
  readonly commit: CommitId;
}

export interface FileDiff {
  readonly path: FilePath;
  readonly change: 'added' | 'deleted' | 'modified';
  readonly before: FileInfo | null;
  readonly after: FileInfo | null;
}

/** A file to store. `open` may be called once; the bytes are streamed, never held whole. */
export interface FileSource {
  readonly path: FilePath;
  /** When known, lets progress show a total. */
  readonly size?: number;
  open(): AsyncIterable<Uint8Array>;
}

export interface TransferProgress {
  readonly files: number;
  readonly bytes: number;
}

export interface PutResult {
  readonly commit: CommitInfo;
  readonly files: number;
  readonly bytes: number;
  /** Bytes that were not already stored anywhere (after de-duplication). */
  readonly newBytes: number;
}

export interface DeleteTarget {
  readonly path: FilePath;
}

export interface VersioningApi {
  createRepo(repo: RepoName, options?: { description?: string }): Promise<RepoInfo>;
  listRepos(): Promise<RepoInfo[]>;
  inspectRepo(repo: RepoName): Promise<RepoInfo>;
  /** Refuses while other repos' branches have provenance on this one, unless `force`. */
  deleteRepo(repo: RepoName, options?: { force?: boolean }): Promise<void>;

  /** Creates the branch at `head` (a commit or another branch, zero-copy), or moves it there. */
  createBranch(
    branch: BranchRef,
    options?: { head?: CommitRef; provenance?: readonly BranchRef[] },
  ): Promise<BranchInfo>;
  listBranches(repo: RepoName): Promise<BranchInfo[]>;
  inspectBranch(branch: BranchRef): Promise<BranchInfo>;
  deleteBranch(branch: BranchRef): Promise<void>;

  startCommit(branch: BranchRef, options?: { description?: string; parent?: CommitRef }): Promise<CommitInfo>;
  finishCommit(ref: CommitRef, options?: { description?: string }): Promise<CommitInfo>;
  inspectCommit(ref: CommitRef): Promise<CommitInfo>;
  /** Newest first. With `branch`, that branch's ancestry; otherwise every commit of the repo. */
  listCommits(
    repo: RepoName,
    options?: { branch?: BranchName; limit?: number; after?: string },
  ): Promise<Page<CommitInfo>>;
  /** Drops an open commit: its staged writes are discarded and its branch moves back to its parent. */
  dropCommit(ref: CommitRef): Promise<void>;
  /** Adds a commit on the branch that undoes the changes `ref` made to its parent. */
  revert(ref: CommitRef, options?: { description?: string }): Promise<CommitInfo>;

  /**
   * Writes files into `target`: an open commit (by ID, or a branch whose head is open), or a
   * branch whose head is finished — then a commit is opened and finished for this write alone.
   */
  putFiles(
    target: CommitRef,
    sources: AsyncIterable<FileSource> | Iterable<FileSource>,
    options?: { append?: boolean; onProgress?: (progress: TransferProgress) => void },
  ): Promise<PutResult>;
  /** Deletes files and directories (recursively), as one write. */
  deleteFiles(target: CommitRef, paths: readonly FilePath[]): Promise<CommitInfo>;
  /** Copies a file or a directory tree into `target` at `path` without copying bytes. */
  copyFiles(
    source: FileRef,
    target: CommitRef,
    path: FilePath,
    options?: { append?: boolean },
  ): Promise<CommitInfo>;

  /** Streams a file's bytes, verified against their content addresses. */
  readFile(ref: FileRef, range?: ByteRange): AsyncIterable<Uint8Array>;
  /** A file or directory; NotFoundError when neither exists. */
  statFile(ref: FileRef): Promise<FileInfo>;
  /** The direct children of a directory (or the file itself). */
  listFiles(ref: FileRef): AsyncIterable<FileInfo>;
  /** Every file under a directory (or the file itself), in path order. */
  walkFiles(ref: FileRef): AsyncIterable<FileInfo>;
  /** Files and directories matching a Pachyderm glob pattern, e.g. '/*', '/data/**.csv'. */
  globFiles(ref: CommitRef, pattern: string): AsyncIterable<FileInfo>;
  /** Differences from `old` to `new`; `old` defaults to the parent of `new`'s commit. */
  diffFiles(newRef: FileRef, oldRef?: FileRef): AsyncIterable<FileDiff>;
}
