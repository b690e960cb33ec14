/**
 * File operations on commits. Writes store content first, then sorted change runs, and only
 * then link them into a commit (commits.ts), so a failed or interrupted write changes nothing
 * that anyone can see. Reads go through the file index of the resolved commit; an open commit
 * is read with its staged writes applied.
 */

import type { CommitInfo, FileDiff, FileInfo, FileSource, PutResult, TransferProgress } from '../api.ts';
import { ContentReader, ContentWriter } from '../content/index.ts';
import { InvalidArgumentError, NotFoundError } from '../errors.ts';
import type { ResolvedCommit } from '../graph/commit-graph.ts';
import { DeltaRunWriter } from '../graph/staging.ts';
import { type CommitId, type FilePath, joinPath, type ObjectHash, type RepoName } from '../ids.ts';
import type { ByteRange } from '../ports.ts';
import { type CommitRef, type FileRef, formatCommitRef } from '../refs.ts';
import { dirPrefix, type FileEntry, type TreeChange, type TreeItem } from '../tree/types.ts';
import type { Commits } from './commits.ts';
import type { ServiceContext } from './context.ts';

interface View {
  readonly repo: RepoName;
  readonly commit: CommitId;
  readonly root: ObjectHash;
}

export class Files {
  readonly #ctx: ServiceContext;
  readonly #commits: Commits;

  constructor(ctx: ServiceContext, commits: Commits) {
    this.#ctx = ctx;
    this.#commits = commits;
  }

  async put(
    target: CommitRef,
    sources: AsyncIterable<FileSource> | Iterable<FileSource>,
    options: { append?: boolean; onProgress?: (progress: TransferProgress) => void } = {},
  ): Promise<PutResult> {
    const base = options.append ? await this.#writeBase(target) : undefined;
    const writer = new ContentWriter({
      objects: this.#ctx.objects,
      kv: this.#ctx.kv,
      ...(this.#ctx.hasher ? { hasher: this.#ctx.hasher } : {}),
    });
    const runs = new DeltaRunWriter(this.#ctx.objects);
    let files = 0;
    let bytes = 0;
    for await (const source of sources) {
      const existing = base && (await this.#ctx.index.get(base.root, source.path));
      const stream = existing ? this.#concat(existing, source.open()) : source.open();
      const counted = countBytes(stream, (n) => {
        bytes += n;
        options.onProgress?.({ files, bytes });
      });
      const stored = await writer.write(counted);
      await runs.add({ kind: 'put', path: source.path, entry: { path: source.path, ...stored } });
      files++;
      options.onProgress?.({ files, bytes });
    }
    await writer.flush();
    const commit = await this.#commits.write(target, await runs.finish());
    return { commit, files, bytes, newBytes: writer.stats.newBytes };
  }

  async delete(target: CommitRef, paths: readonly FilePath[]): Promise<CommitInfo> {
    const base = await this.#writeBase(target);
    const runs = new DeltaRunWriter(this.#ctx.objects);
    for (const path of paths) {
      const item = await this.#stat(base, path);
      if (path === '/' || item.type === 'dir') await runs.add({ kind: 'delete-dir', path });
      if (item.type === 'file') await runs.add({ kind: 'delete', path });
    }
    return this.#commits.write(target, await runs.finish());
  }

  async copy(
    source: FileRef,
    target: CommitRef,
    path: FilePath,
    options: { append?: boolean } = {},
  ): Promise<CommitInfo> {
    if (options.append) {
      throw new InvalidArgumentError('copy file --append is not supported: copies replace the destination');
    }
    const from = await this.#view(source);
    const item = await this.#stat(from, source.path);
    const runs = new DeltaRunWriter(this.#ctx.objects);
    if (item.type === 'file') {
      await runs.add({ kind: 'put', path, entry: { ...item.entry, path } });
    } else {
      const prefix = dirPrefix(source.path);
      for await (const entry of this.#ctx.index.walk(from.root, { prefix })) {
        const moved = joinPath(path, entry.path.slice(prefix.length));
        await runs.add({ kind: 'put', path: moved, entry: { ...entry, path: moved } });
      }
    }
    return this.#commits.write(target, await runs.finish());
  }

  async *read(ref: FileRef, range?: ByteRange): AsyncGenerator<Uint8Array> {
    const view = await this.#view(ref);
    const item = await this.#stat(view, ref.path);
    if (item.type === 'dir') {
      throw new InvalidArgumentError(
        `${formatCommitRef(ref)}:${ref.path} is a directory; get it recursively with -r`,
      );
    }
    const reader = new ContentReader({ objects: this.#ctx.objects });
    yield* reader.read(item.entry, range);
  }

  async stat(ref: FileRef): Promise<FileInfo> {
    const view = await this.#view(ref);
    return this.#info(view, await this.#stat(view, ref.path));
  }

  async *list(ref: FileRef): AsyncGenerator<FileInfo> {
    const view = await this.#view(ref);
    const item = await this.#stat(view, ref.path);
    if (item.type === 'file') {
      yield this.#info(view, item);
      return;
    }
    for await (const child of this.#ctx.index.listDir(view.root, ref.path)) yield this.#info(view, child);
  }

  async *walk(ref: FileRef): AsyncGenerator<FileInfo> {
    const view = await this.#view(ref);
    const item = await this.#stat(view, ref.path);
    if (item.type === 'file') {
      yield this.#info(view, item);
      return;
    }
    for await (const entry of this.#ctx.index.walk(view.root, { prefix: dirPrefix(ref.path) })) {
      yield fileInfo(view, entry);
    }
  }

  async *glob(ref: CommitRef, pattern: string): AsyncGenerator<FileInfo> {
    const view = await this.#view(ref);
    for await (const item of this.#ctx.index.glob(view.root, pattern)) yield this.#info(view, item);
  }

  async *diff(newRef: FileRef, oldRef?: FileRef): AsyncGenerator<FileDiff> {
    const resolved = await this.#ctx.graph.resolve(newRef);
    const after = {
      repo: resolved.commit.repo,
      commit: resolved.commit.id,
      root: await this.#commits.viewRoot(resolved),
    };
    const before = oldRef
      ? await this.#view(oldRef)
      : {
          repo: resolved.commit.repo,
          commit: resolved.commit.parent ?? resolved.commit.id,
          root: await this.#commits.parentRoot(resolved.commit),
        };
    if (oldRef && oldRef.path !== newRef.path && oldRef.path !== '/') {
      throw new InvalidArgumentError(
        `diff compares the same path in two commits; got ${newRef.path} and ${oldRef.path}`,
      );
    }
    // The index filters by string prefix: keep the file itself and what lies under it as a
    // directory, not its look-alike siblings ('/data' must not match '/data.csv').
    const path = newRef.path;
    const prefix = path === '/' ? undefined : path;
    const under = dirPrefix(path);
    for await (const difference of this.#ctx.index.diff(before.root, after.root, prefix ? { prefix } : {})) {
      if (prefix && difference.path !== path && !difference.path.startsWith(under)) continue;
      yield {
        path: difference.path,
        change: !difference.before ? 'added' : !difference.after ? 'deleted' : 'modified',
        before: difference.before ? fileInfo(before, difference.before) : null,
        after: difference.after ? fileInfo(after, difference.after) : null,
      };
    }
  }

  /** The changes that undo what the commit changed relative to its parent. */
  async *revertChanges(resolved: ResolvedCommit): AsyncGenerator<TreeChange> {
    const after = await this.#commits.viewRoot(resolved);
    const before = await this.#commits.parentRoot(resolved.commit);
    for await (const difference of this.#ctx.index.diff(before, after)) {
      yield difference.before
        ? { kind: 'put', path: difference.path, entry: difference.before }
        : { kind: 'delete', path: difference.path };
    }
  }

  /**
   * What a write to `target` would see now: the open commit, or the branch head it builds on;
   * `commit` is null for a branch that a write would create.
   */
  async #writeBase(
    target: CommitRef,
  ): Promise<{ repo: RepoName; commit: CommitId | null; root: ObjectHash }> {
    if (target.base.kind === 'branch' && target.ancestors === 0) {
      const branch = await this.#ctx.graph.findBranch(target.repo, target.base.branch);
      if (!branch) {
        await this.#ctx.graph.getRepo(target.repo);
        return { repo: target.repo, commit: null, root: await this.#ctx.index.emptyRoot() };
      }
    }
    return this.#view(target);
  }

  async #view(ref: CommitRef): Promise<View> {
    const resolved = await this.#ctx.graph.resolve(ref);
    return { repo: ref.repo, commit: resolved.commit.id, root: await this.#commits.viewRoot(resolved) };
  }

  async #stat(
    view: { repo: RepoName; commit: CommitId | null; root: ObjectHash },
    path: FilePath,
  ): Promise<TreeItem> {
    if (path === '/') {
      const summary = await this.#ctx.index.summary(view.root);
      return { type: 'dir', path, fileCount: summary.fileCount, totalBytes: summary.totalBytes };
    }
    const item = await this.#ctx.index.stat(view.root, path);
    if (!item) {
      if (!view.commit)
        throw new NotFoundError(`file ${path} not found: the branch has no commits in ${view.repo} yet`);
      const dir = path.slice(0, path.lastIndexOf('/')) || '/';
      throw new NotFoundError(
        `file ${path} not found in ${view.repo}@${view.commit}; see what is there with 'strata list file ${view.repo}@${view.commit}:${dir}'`,
      );
    }
    return item;
  }

  #info(view: View, item: TreeItem): FileInfo {
    if (item.type === 'file') return fileInfo(view, item.entry);
    return { path: item.path, type: 'dir', size: item.totalBytes, hash: null, commit: view.commit };
  }

  async *#concat(existing: FileEntry, appended: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    yield* new ContentReader({ objects: this.#ctx.objects }).read(existing);
    yield* appended;
  }
}

function fileInfo(view: View, entry: FileEntry): FileInfo {
  return { path: entry.path, type: 'file', size: entry.size, hash: entry.hash, commit: view.commit };
}

async function* countBytes(
  source: AsyncIterable<Uint8Array>,
  onBytes: (count: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onBytes(chunk.length);
    yield chunk;
  }
}
