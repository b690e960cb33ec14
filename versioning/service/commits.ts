/**
 * The commit lifecycle. Order of writes, always: immutable records first, the moving pointer
 * (a branch head or a staging head) last, by compare-and-set. A crash in between leaves an
 * unreachable record, never a half-visible commit; a lost race cleans up after itself and
 * retries, so concurrent writers on one branch keep a linear history and lose nothing.
 */
import { randomBytes } from 'node:crypto';
import type { CommitInfo } from '../api.ts';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../errors.ts';
import type { ResolvedCommit } from '../graph/commit-graph.ts';
import { kvKeys } from '../graph/keys.ts';
import {
  type CommitOrigin,
  type CommitRecord,
  decodeRecord,
  deltaRecord,
  encodeRecord,
  type FinishRecord,
  type StageRecord,
} from '../graph/records.ts';
import { mergeRuns, readRun } from '../graph/staging.ts';
import {
  type BranchName,
  type CommitId,
  type CommitSetId,
  commitSetOf,
  newCommitId,
  type ObjectHash,
  type RepoName,
} from '../ids.ts';
import { type CommitRef, formatCommitRef } from '../refs.ts';
import type { TreeSummary } from '../tree/index.ts';
import { toCommitInfo } from './commit-info.ts';
import type { ServiceContext } from './context.ts';
import { forgetStagedTree, stagedTree } from './staged-view.ts';

export interface StartOptions {
  readonly description?: string;
  readonly parent?: CommitRef;
  readonly origin?: CommitOrigin;
  /** Joins an existing commit set (pipelines); by default the commit starts its own. */
  readonly commitSet?: CommitSetId;
}

export class Commits {
  readonly #ctx: ServiceContext;

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  /** Opens a commit on the branch (creating the branch if it does not exist) and moves the head to it. */
  async start(repo: RepoName, branch: BranchName, options: StartOptions = {}): Promise<CommitInfo> {
    const { graph } = this.#ctx;
    await graph.getRepo(repo);
    const parentOverride = options.parent && (await this.#explicitParent(repo, options.parent));
    for (;;) {
      const current = await graph.findBranch(repo, branch);
      let parent: CommitId | null = parentOverride ?? null;
      if (current) {
        const head = await graph.resolveCommit(repo, current.record.head);
        if (!head.finish) {
          throw new ConflictError(
            `${repo}@${branch} already has an open commit ${head.commit.id}; finish it ('strata finish commit ${repo}@${branch}') or write into it`,
          );
        }
        if (!parentOverride) parent = head.commit.id;
      }
      const record = this.#newCommitRecord(repo, branch, parent, options);
      await this.#writeCommitRecords(record);
      const branchKey = kvKeys.branch(repo, branch);
      const moved = current
        ? await this.#ctx.kv.compareAndSet(
            branchKey,
            current.version,
            encodeRecord({ ...current.record, head: record.id }),
          )
        : await this.#ctx.kv.putIfAbsent(
            branchKey,
            encodeRecord({ head: record.id, created: record.started, provenance: [] }),
          );
      if (moved) return toCommitInfo(record, undefined, []);
      await this.#removeCommitRecords(record);
    }
  }

  /**
   * Links already-stored change runs into an open commit. False when the commit was sealed
   * first (finished or dropped): then nothing was linked.
   */
  async append(repo: RepoName, id: CommitId, runKeys: readonly string[]): Promise<boolean> {
    const { kv, graph } = this.#ctx;
    for (;;) {
      const stage = await graph.getStage(repo, id);
      if (stage.record.sealed) return false;
      const deltaId = `${String(stage.record.count).padStart(10, '0')}-${randomBytes(8).toString('hex')}`;
      const deltaKey = kvKeys.delta(repo, id, deltaId);
      await kv.putIfAbsent(deltaKey, encodeRecord({ prev: stage.record.last, objects: runKeys }));
      const next: StageRecord = { sealed: false, last: deltaId, count: stage.record.count + 1 };
      if (await kv.compareAndSet(kvKeys.stage(repo, id), stage.version, encodeRecord(next))) return true;
      await kv.delete(deltaKey);
    }
  }

  /** Finishes an open commit; with `error`, as a failed commit (a failed job's output). */
  async finish(ref: CommitRef, options: { description?: string; error?: string } = {}): Promise<CommitInfo> {
    const resolved = await this.#ctx.graph.resolve(ref);
    const { commit } = resolved;
    if (resolved.finish) {
      throw new ConflictError(`commit ${commit.repo}@${commit.id} is already finished`);
    }
    const stage = await this.#seal(commit);
    // Finishing builds the tree a last time (nothing more can be staged), so nothing to remember.
    const { summary, remembered } = await this.#stagedTree(commit, stage, false);
    const finish: FinishRecord = {
      finished: this.#ctx.now(),
      dropped: false,
      description: options.description ?? null,
      root: summary.root,
      fileCount: summary.fileCount,
      totalBytes: summary.totalBytes,
      error: options.error ?? null,
    };
    if (!(await this.#ctx.kv.putIfAbsent(kvKeys.finish(commit.repo, commit.id), encodeRecord(finish)))) {
      throw new ConflictError(`commit ${commit.repo}@${commit.id} is already finished`);
    }
    if (remembered) await forgetStagedTree(this.#ctx.kv, commit);
    await this.#ctx.events?.publish({
      type: 'CommitFinished',
      repo: commit.repo,
      branch: commit.branch,
      commit: commit.id,
      commitSet: commit.commitSet,
      error: finish.error,
    });
    return toCommitInfo(commit, finish, await this.#ctx.graph.children(commit.repo, commit.id));
  }

  /** Discards an open commit and moves its branch back to the parent. */
  async drop(ref: CommitRef): Promise<void> {
    const { graph, kv } = this.#ctx;
    const resolved = await graph.resolve(ref);
    const { commit } = resolved;
    if (resolved.finish) {
      throw new ConflictError(
        `commit ${commit.repo}@${commit.id} is finished and cannot be deleted; undo its changes with 'strata revert ${commit.repo}@${commit.id}'`,
      );
    }
    await this.#seal(commit);
    const dropped: FinishRecord = {
      finished: this.#ctx.now(),
      dropped: true,
      description: null,
      root: null,
      fileCount: 0,
      totalBytes: 0,
      error: null,
    };
    if (!(await kv.putIfAbsent(kvKeys.finish(commit.repo, commit.id), encodeRecord(dropped)))) {
      throw new ConflictError(`commit ${commit.repo}@${commit.id} was finished while it was being dropped`);
    }
    if (commit.branch) await this.#rewindBranch(commit.repo, commit.branch, commit);
    await kv.delete(kvKeys.commitLog(commit.repo, commit.order, commit.id));
    await forgetStagedTree(kv, commit);
  }

  /** The root of the commit's tree: its own when finished, its staged writes applied when open. */
  async viewRoot(resolved: ResolvedCommit): Promise<ObjectHash> {
    if (resolved.finish) {
      if (resolved.finish.root === null) {
        throw new NotFoundError(`commit ${resolved.commit.repo}@${resolved.commit.id} was dropped`);
      }
      return resolved.finish.root;
    }
    const { commit } = resolved;
    const stage = await this.#ctx.graph.getStage(commit.repo, commit.id);
    return (await this.#stagedTree(commit, stage.record, true)).summary.root;
  }

  /** The tree of the commit's parent with its staged runs applied (remembered per staged state). */
  async #stagedTree(
    commit: CommitRecord,
    stage: StageRecord,
    remember: boolean,
  ): Promise<{ summary: TreeSummary; remembered: boolean }> {
    const build = async () =>
      this.#ctx.index.apply(
        await this.parentRoot(commit),
        mergeRuns((await this.#runKeys(commit, stage)).map((key) => readRun(this.#ctx.objects, key))),
      );
    if (stage.last === null) return { summary: await build(), remembered: false };
    return stagedTree(this.#ctx.kv, commit, stage.last, build, { remember });
  }

  async parentRoot(commit: CommitRecord): Promise<ObjectHash> {
    if (commit.parent === null) return this.#ctx.index.emptyRoot();
    const finish = await this.#ctx.graph.findFinish(commit.repo, commit.parent);
    if (!finish?.root) {
      throw new ConflictError(`parent ${commit.repo}@${commit.parent} of ${commit.id} is not finished`);
    }
    return finish.root;
  }

  /**
   * Writes stored change runs to `target`: into its open commit, or else into a commit opened
   * and finished for this write alone. Retries when a concurrent writer finishes the commit
   * first, so the write lands exactly once.
   */
  async write(
    target: CommitRef,
    runKeys: readonly string[],
    options: { origin?: CommitOrigin; description?: string } = {},
  ): Promise<CommitInfo> {
    if (target.ancestors > 0) {
      throw new InvalidArgumentError(
        `cannot write to ${formatCommitRef(target)}: writes go to a branch or an open commit, not an ancestor`,
      );
    }
    const { graph } = this.#ctx;
    if (target.base.kind === 'commit') {
      const resolved = await graph.resolve(target);
      const { commit } = resolved;
      if (resolved.finish || !(await this.append(commit.repo, commit.id, runKeys))) {
        throw new ConflictError(
          `commit ${commit.repo}@${commit.id} is finished; write to a branch, or start a commit with 'strata start commit ${commit.repo}@<branch>'`,
        );
      }
      return toCommitInfo(commit, undefined, []);
    }
    const { repo } = target;
    const branch = target.base.branch;
    for (;;) {
      const current = await graph.findBranch(repo, branch);
      if (current) {
        const head = await graph.resolveCommit(repo, current.record.head);
        if (!head.finish) {
          if (!(await this.append(repo, head.commit.id, runKeys))) continue;
          // A commit some other write opened for itself is finished by whoever writes into it
          // too: so a writer that died before finishing never leaves its branch open for good.
          if (head.commit.origin === 'auto' || head.commit.origin === 'revert') {
            return this.#finishJoined(repo, head.commit.id);
          }
          return toCommitInfo(head.commit, undefined, []);
        }
      }
      let opened: CommitInfo;
      try {
        opened = await this.start(repo, branch, {
          origin: options.origin ?? 'auto',
          description: options.description ?? '',
        });
      } catch (error) {
        if (error instanceof ConflictError) continue; // another writer opened a commit first: join it
        throw error;
      }
      if (!(await this.append(repo, opened.id, runKeys))) continue;
      return this.#finishJoined(repo, opened.id);
    }
  }

  /** Finishes an auto commit this write is in; a concurrent writer may have finished it already. */
  async #finishJoined(repo: RepoName, id: CommitId): Promise<CommitInfo> {
    try {
      return await this.finish({ repo, base: { kind: 'commit', commit: id }, ancestors: 0 });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      // Only "finished already" is a concurrent writer's doing; any other conflict is this write's.
      const info = await this.#info(repo, id);
      if (info.finished === null) throw error;
      return info;
    }
  }

  async #info(repo: RepoName, id: CommitId): Promise<CommitInfo> {
    const { commit, finish } = await this.#ctx.graph.resolveCommit(repo, id);
    return toCommitInfo(commit, finish, await this.#ctx.graph.children(repo, id));
  }

  async #explicitParent(repo: RepoName, ref: CommitRef): Promise<CommitId> {
    if (ref.repo !== repo) {
      throw new InvalidArgumentError(`parent ${formatCommitRef(ref)} must be a commit of repo ${repo}`);
    }
    const resolved = await this.#ctx.graph.resolve(ref);
    if (!resolved.finish) {
      throw new ConflictError(`parent ${formatCommitRef(ref)} is still open; finish it first`);
    }
    return resolved.commit.id;
  }

  #newCommitRecord(
    repo: RepoName,
    branch: BranchName,
    parent: CommitId | null,
    options: StartOptions,
  ): CommitRecord {
    const id = newCommitId();
    return {
      id,
      repo,
      branch,
      parent,
      origin: options.origin ?? 'user',
      description: options.description ?? '',
      started: this.#ctx.now(),
      order: this.#ctx.startOrder(),
      commitSet: options.commitSet ?? commitSetOf(id),
    };
  }

  async #writeCommitRecords(record: CommitRecord): Promise<void> {
    const { kv } = this.#ctx;
    const { repo, id } = record;
    await kv.putIfAbsent(kvKeys.commit(repo, id), encodeRecord(record));
    await kv.putIfAbsent(kvKeys.stage(repo, id), encodeRecord({ sealed: false, last: null, count: 0 }));
    await kv.putIfAbsent(kvKeys.commitLog(repo, record.order, id), '');
    await kv.putIfAbsent(kvKeys.commitSetMember(record.commitSet, repo, id), '');
    if (record.parent) await kv.putIfAbsent(kvKeys.child(repo, record.parent, id), '');
  }

  async #removeCommitRecords(record: CommitRecord): Promise<void> {
    const { kv } = this.#ctx;
    const { repo, id } = record;
    if (record.parent) await kv.delete(kvKeys.child(repo, record.parent, id));
    await kv.delete(kvKeys.commitSetMember(record.commitSet, repo, id));
    await kv.delete(kvKeys.commitLog(repo, record.order, id));
    await kv.delete(kvKeys.stage(repo, id));
    await kv.delete(kvKeys.commit(repo, id));
  }

  /** Closes the commit to further writes; idempotent, so an interrupted finish can be re-run. */
  async #seal(commit: CommitRecord): Promise<StageRecord> {
    for (;;) {
      const stage = await this.#ctx.graph.getStage(commit.repo, commit.id);
      if (stage.record.sealed) return stage.record;
      const sealed: StageRecord = { ...stage.record, sealed: true };
      if (
        await this.#ctx.kv.compareAndSet(
          kvKeys.stage(commit.repo, commit.id),
          stage.version,
          encodeRecord(sealed),
        )
      ) {
        return sealed;
      }
    }
  }

  /** The object keys of every staged run, oldest first. */
  async #runKeys(commit: CommitRecord, stage: StageRecord): Promise<string[]> {
    const deltas: string[][] = [];
    let deltaId = stage.last;
    while (deltaId !== null) {
      const key = kvKeys.delta(commit.repo, commit.id, deltaId);
      const item = await this.#ctx.kv.get(key);
      if (!item) throw new NotFoundError(`staged write ${key} is missing`);
      const delta = decodeRecord(deltaRecord, key, item.value);
      deltas.push(delta.objects);
      deltaId = delta.prev;
    }
    return deltas.reverse().flat();
  }

  async #rewindBranch(repo: RepoName, branch: BranchName, commit: CommitRecord): Promise<void> {
    const { graph, kv } = this.#ctx;
    for (;;) {
      const current = await graph.findBranch(repo, branch);
      if (!current || current.record.head !== commit.id) return;
      const key = kvKeys.branch(repo, branch);
      const done =
        commit.parent === null
          ? await kv.delete(key, current.version)
          : await kv.compareAndSet(
              key,
              current.version,
              encodeRecord({ ...current.record, head: commit.parent }),
            );
      if (done) return;
    }
  }
}
