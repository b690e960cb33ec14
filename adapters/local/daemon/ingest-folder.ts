/**
 * The ingest folder: files dropped under `<home>/ingest/<repo>/<branch>/…` become commits.
 *
 * Rules:
 * - A file is taken once its size and modification time were the same in two scans in a row,
 *   so a file still being written is left for a later scan.
 * - Everything ready in one scan for one repo and branch becomes ONE commit, each file at its
 *   path below `<branch>/` (`ingest/images/master/cats/a.png` → `images@master:/cats/a.png`).
 * - A file is removed only after its commit finished, and only if it did not change after it
 *   was taken; a file changed meanwhile stays, and is taken again once it is stable.
 * - Names starting with '.' are skipped, files and folders alike: a writer can write
 *   `.a.png.part` and rename it to `a.png` when done. Symbolic links and other non-regular
 *   files are skipped too.
 * - A repo that does not exist is not created: its files stay, and the error says how to create
 *   it. A branch that does not exist is created by its first commit, as `strata put file` does.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { FileSource } from '../../../versioning/api.ts';
import { ConflictError, NotFoundError } from '../../../versioning/errors.ts';
import {
  type BranchName,
  type CommitId,
  parseBranchName,
  parseFilePath,
  parseRepoName,
  type RepoName,
} from '../../../versioning/ids.ts';
import type { CommitRef } from '../../../versioning/refs.ts';
import type { VersioningService } from '../../../versioning/service.ts';
import { type DaemonLog, errorMessage, formatBytes, ProblemReporter } from './daemon-log.ts';

export interface IngestFolderProps {
  /** The folder watched: `<home>/ingest`. Created when absent. */
  readonly root: string;
  readonly versioning: VersioningService;
  readonly log: DaemonLog;
}

/** One commit made from the ingest folder. */
export interface IngestBatch {
  readonly repo: RepoName;
  readonly branch: BranchName;
  readonly commit: CommitId;
  readonly files: number;
  readonly bytes: number;
}

interface Observed {
  readonly size: number;
  readonly mtimeMs: number;
}

interface ReadyFile extends Observed {
  readonly absolute: string;
  /** The path below the branch folder, with '/' separators. */
  readonly relative: string;
}

interface BranchFolder {
  readonly repo: RepoName;
  readonly branch: BranchName;
  readonly dir: string;
}

export class IngestFolder {
  readonly #props: IngestFolderProps;
  readonly #problems: ProblemReporter;
  /** What the previous scan saw, by absolute path. */
  #previous = new Map<string, Observed>();

  constructor(props: IngestFolderProps) {
    this.#props = props;
    this.#problems = new ProblemReporter(props.log);
  }

  /** Scans once, and commits every batch that is ready. */
  async scan(): Promise<IngestBatch[]> {
    await mkdir(this.#props.root, { recursive: true });
    const seen = new Map<string, Observed>();
    const batches: IngestBatch[] = [];
    try {
      for (const folder of await this.#branchFolders()) {
        const ready: ReadyFile[] = [];
        for await (const file of this.#filesUnder(folder.dir)) {
          seen.set(file.absolute, file);
          const before = this.#previous.get(file.absolute);
          if (before?.size === file.size && before.mtimeMs === file.mtimeMs) ready.push(file);
        }
        if (ready.length === 0) continue;
        const batch = await this.#commit(folder, ready);
        if (batch) batches.push(batch);
      }
    } finally {
      this.#previous = seen;
      this.#problems.endScan();
    }
    return batches;
  }

  /** The `<repo>/<branch>` folders, in name order; anything misplaced is reported. */
  async #branchFolders(): Promise<BranchFolder[]> {
    const { root } = this.#props;
    const found: BranchFolder[] = [];
    for (const repoEntry of await sortedEntries(root)) {
      const repoDir = join(root, repoEntry.name);
      if (!repoEntry.isDirectory()) {
        this.#problems.report(
          `ingest: ${repoDir} is not in a <repo>/<branch>/ folder; move it to ${join(root, '<repo>', '<branch>', repoEntry.name)}`,
        );
        continue;
      }
      const repo = this.#parseName(parseRepoName, repoEntry.name, repoDir);
      if (repo === undefined) continue;
      for (const branchEntry of await sortedEntries(repoDir)) {
        const branchDir = join(repoDir, branchEntry.name);
        if (!branchEntry.isDirectory()) {
          this.#problems.report(
            `ingest: ${branchDir} is not in a branch folder; move it to ${join(repoDir, 'master', branchEntry.name)} (or another branch's folder)`,
          );
          continue;
        }
        const branch = this.#parseName(parseBranchName, branchEntry.name, branchDir);
        if (branch !== undefined) found.push({ repo, branch, dir: branchDir });
      }
    }
    return found;
  }

  #parseName<T>(parse: (name: string) => T, name: string, dir: string): T | undefined {
    try {
      return parse(name);
    } catch (error) {
      this.#problems.report(`ingest: the files in ${dir} stay there: ${errorMessage(error)}`);
      return undefined;
    }
  }

  async *#filesUnder(branchDir: string, dir: string = branchDir): AsyncGenerator<ReadyFile> {
    for (const entry of await sortedEntries(dir)) {
      const absolute = join(dir, entry.name);
      if (entry.isDirectory()) yield* this.#filesUnder(branchDir, absolute);
      if (!entry.isFile()) continue;
      const info = await stat(absolute).catch(() => undefined); // removed since the listing
      if (!info) continue;
      const path = relative(branchDir, absolute).split(sep).join('/');
      yield { absolute, relative: path, size: info.size, mtimeMs: info.mtimeMs };
    }
  }

  async #commit(folder: BranchFolder, files: readonly ReadyFile[]): Promise<IngestBatch | undefined> {
    const { versioning, log } = this.#props;
    const { repo, branch } = folder;
    try {
      await versioning.inspectRepo(repo);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      this.#problems.report(
        `ingest: repo ${JSON.stringify(repo)} does not exist, so the files in ${folder.dir} stay there; ` +
          `create it with 'strata create repo ${repo}' (or remove the folder)`,
      );
      return undefined;
    }
    let ref: CommitRef;
    try {
      const opened = await versioning.startCommit(
        { repo, branch },
        { origin: 'auto', description: `ingest of ${files.length} file(s) from ${folder.dir}` },
      );
      ref = { repo, base: { kind: 'commit', commit: opened.id }, ancestors: 0 };
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      this.#problems.report(`ingest: the files in ${folder.dir} wait: ${error.message}`);
      return undefined;
    }
    let finished: { id: CommitId; files: number; bytes: number };
    try {
      const put = await versioning.putFiles(ref, files.map(fileSource));
      const commit = await versioning.finishCommit(ref);
      finished = { id: commit.id, files: put.files, bytes: put.bytes };
    } catch (error) {
      await versioning.dropCommit(ref).catch(() => {});
      this.#problems.report(
        `ingest: could not commit the files in ${folder.dir} to ${repo}@${branch}; they stay there: ${errorMessage(error)}`,
      );
      return undefined;
    }
    await removeTaken(folder.dir, files);
    log.info(
      `ingest: committed ${finished.files} file(s), ${formatBytes(finished.bytes)}, to ${repo}@${branch} as commit ${finished.id}`,
    );
    return { repo, branch, commit: finished.id, files: finished.files, bytes: finished.bytes };
  }
}

function fileSource(file: ReadyFile): FileSource {
  return {
    path: parseFilePath(file.relative),
    size: file.size,
    open: () => createReadStream(file.absolute),
  };
}

/** Removes the committed files that are unchanged since taken, then the folders left empty. */
async function removeTaken(branchDir: string, files: readonly ReadyFile[]): Promise<void> {
  const dirs = new Set<string>();
  for (const file of files) {
    const now = await stat(file.absolute).catch(() => undefined);
    if (now?.size === file.size && now.mtimeMs === file.mtimeMs) await rm(file.absolute, { force: true });
    for (let dir = join(file.absolute, '..'); dir.startsWith(branchDir + sep); dir = join(dir, '..')) {
      dirs.add(dir);
    }
  }
  // Deepest first; a folder that is not empty (or holds new files) stays.
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await rmdir(dir).catch(() => {});
}

async function sortedEntries(dir: string) {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => !entry.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
