/** Shared fixtures for the datum tests (test/unit/datums-*.test.ts): real file indexes in memory. */
import { createHash } from 'node:crypto';
import { MemoryObjectStore } from '../../adapters/memory/index.ts';
import type { Datum, DatumRef, InputCommit, PlanSources } from '../../pipelines/datums/index.ts';
import type { PfsInput } from '../../pipelines/spec/input.ts';
import {
  newCommitId,
  parseBranchName,
  parseFileHash,
  parseFilePath,
  parseRepoName,
} from '../../versioning/ids.ts';
import { type FileEntry, FileIndex, type FileIndexOptions } from '../../versioning/tree/index.ts';

export const MASTER = parseBranchName('master');

/** A file entry for `content`: its hash is the SHA-256 of the text; no chunks are stored. */
export function fileEntry(path: string, content: string): FileEntry {
  return {
    path: parseFilePath(path),
    size: Buffer.byteLength(content),
    hash: parseFileHash(createHash('sha256').update(content).digest('hex')),
    content: { kind: 'chunks', chunks: [] },
  };
}

export type Files = Readonly<Record<string, string>>;

/** A FileIndex over a MemoryObjectStore, making one commit per call of `commit`. */
export class TestRepos {
  readonly store = new MemoryObjectStore();
  readonly index: FileIndex;

  constructor(options: FileIndexOptions = {}) {
    this.index = new FileIndex(this.store, options);
  }

  /** A commit holding exactly `files` (path → content). */
  async commit(files: Files): Promise<InputCommit> {
    const entries = Object.entries(files)
      .map(([path, content]) => fileEntry(path, content))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const { root } = await this.index.build(entries);
    return { commit: newCommitId(), root };
  }

  /** A commit made from `base` by putting `put` (path → content) and deleting `remove`. */
  async edit(base: InputCommit, put: Files, remove: readonly string[] = []): Promise<InputCommit> {
    const changes = [
      ...Object.entries(put).map(([path, content]) => ({
        kind: 'put' as const,
        path: parseFilePath(path),
        entry: fileEntry(path, content),
      })),
      ...remove.map((path) => ({ kind: 'delete' as const, path: parseFilePath(path) })),
    ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const { root } = await this.index.apply(base.root, changes);
    return { commit: newCommitId(), root };
  }

  /** Plan sources reading `commits` by input name. */
  sources(commits: Readonly<Record<string, InputCommit>>, index: FileIndex = this.index): PlanSources {
    return { index, commitOf: (input) => commits[input.name] };
  }

  /** A FileIndex with an empty cache over the same store, for counting reads. */
  coldIndex(options: FileIndexOptions = {}): FileIndex {
    return new FileIndex(this.store, options);
  }
}

export function pfs(name: string, glob: string, options: Partial<PfsInput> = {}): PfsInput {
  return {
    kind: 'pfs',
    name,
    repo: parseRepoName(name),
    branch: MASTER,
    glob,
    joinOn: null,
    outerJoin: false,
    groupBy: null,
    emptyFiles: false,
    ...options,
  };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A datum as short text: 'name:match[files]' per input, e.g. 'in:/a[/a/1,/a/2]'. */
export function datumText(datum: Datum): string {
  return datum.inputs
    .map((input) => {
      const files = input.files.map((file) => file.path).join(',');
      return `${input.name}:${matchText(input.globMatch, input.matchType)}[${files}]`;
    })
    .join(' ');
}

/** A datum reference as short text: 'name:match' per input ('name:/dir/' for a directory). */
export function refText(ref: DatumRef): string {
  return ref.matches
    .map((match) => `${match.source.leaf.name}:${matchText(match.path, match.type)}`)
    .join(' ');
}

function matchText(path: string, type: 'file' | 'dir'): string {
  return type === 'dir' && path !== '/' ? `${path}/` : path;
}

/** Files named like '/f0000.txt' … with distinct contents, for counting tests. */
export function numberedFiles(count: number, dir = '', version = 0): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    files[`${dir}/f${String(i).padStart(5, '0')}.txt`] = `content ${i} v${version}`;
  }
  return files;
}
