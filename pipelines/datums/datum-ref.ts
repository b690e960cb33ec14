/**
 * A datum before its files are read: which glob match of which input commit each input
 * contributes. Its ID is known without any read; `resolveDatum` lists the files (a directory
 * match walks the directory). Plans pass references around, so combinations can hold many of
 * them in memory and re-read nothing until a datum is wanted.
 */
import { InvalidArgumentError } from '../../versioning/errors.ts';
import type { CommitId, FilePath, ObjectHash } from '../../versioning/ids.ts';
import type { FileEntry, FileIndex } from '../../versioning/tree/index.ts';
import type { PfsInput } from '../spec/input.ts';
import {
  type Datum,
  type DatumFile,
  type DatumHash,
  type DatumId,
  type DatumInput,
  datumFileOf,
  datumHash,
  datumIdOf,
} from './datum.ts';

/** One leaf input bound to the commit a plan reads. */
export interface MatchSource {
  readonly leaf: PfsInput;
  readonly commit: CommitId;
  readonly root: ObjectHash;
  readonly index: FileIndex;
}

/** One glob match: a file (its entry is at hand) or a directory (its files are read on demand). */
export type InputMatch =
  | {
      readonly source: MatchSource;
      readonly type: 'file';
      readonly path: FilePath;
      readonly entry: FileEntry;
    }
  | { readonly source: MatchSource; readonly type: 'dir'; readonly path: FilePath };

export interface DatumRef {
  readonly id: DatumId;
  /** In plan order; the same match never appears twice. */
  readonly matches: readonly InputMatch[];
}

export function refOf(matches: readonly InputMatch[]): DatumRef {
  const id = datumIdOf(
    matches.map((match) => ({
      name: match.source.leaf.name,
      repo: match.source.leaf.repo,
      branch: match.source.leaf.branch,
      globMatch: match.path,
      matchType: match.type,
    })),
  );
  return { id, matches };
}

/** The datum with its files: a file match as it is, a directory match with every file under it. */
export async function resolveDatum(ref: DatumRef): Promise<Datum> {
  const inputs: DatumInput[] = [];
  for (const match of ref.matches) {
    const { leaf, commit } = match.source;
    inputs.push({
      name: leaf.name,
      repo: leaf.repo,
      branch: leaf.branch,
      commit,
      globMatch: match.path,
      matchType: match.type,
      emptyFiles: leaf.emptyFiles,
      files: await filesOf(match),
    });
  }
  return { id: ref.id, inputs };
}

/** The hash of the datum a reference stands for (reads its files). */
export async function hashOfRef(
  ref: DatumRef,
  context: { readonly salt: string; readonly specIdentity: string },
): Promise<DatumHash> {
  return datumHash(await resolveDatum(ref), context.salt, context.specIdentity);
}

async function filesOf(match: InputMatch): Promise<DatumFile[]> {
  if (match.type === 'file') return [datumFileOf(match.entry)];
  const { index, root } = match.source;
  const files: DatumFile[] = [];
  const prefix = match.path === '/' ? '/' : `${match.path}/`;
  for await (const entry of index.walk(root, { prefix })) files.push(datumFileOf(entry));
  return files;
}

/**
 * Counts the matches a plan holds in memory at once (cross, join and group hold their children's
 * matches; the full incremental plan holds one reference per datum) and refuses to pass a bound,
 * so that a spec that would exhaust memory fails with a message instead of a crash.
 */
export class MatchBudget {
  readonly #limit: number;
  #used = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InvalidArgumentError(`maxMatchesInMemory must be a positive integer; got ${limit}`);
    }
    this.#limit = limit;
  }

  take(count: number, what: string): void {
    this.#used += count;
    if (this.#used > this.#limit) {
      throw new InvalidArgumentError(
        `planning ${what} needs more than ${this.#limit} glob matches in memory: narrow the globs (fewer, larger datums) or raise maxMatchesInMemory`,
      );
    }
  }
}
