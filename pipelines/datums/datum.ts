/**
 * The datum: the unit of work of a pipeline job, the input files one glob match selects, per
 * input. See index.ts for the rules; this file holds the model and its two hashes.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import type { BranchName, Brand, CommitId, FileHash, FilePath, RepoName } from '../../versioning/ids.ts';
import type { FileEntry } from '../../versioning/tree/index.ts';

/** Names a datum across jobs: SHA-256 (hex) of its inputs' names, repos, branches and matches. */
export type DatumId = Brand<string, 'DatumId'>;
/** SHA-256 (hex) of everything that determines a datum's output; equal hash, reusable output. */
export type DatumHash = Brand<string, 'DatumHash'>;

/** A glob match is a file, or a directory standing for every file under it. */
export type MatchType = 'file' | 'dir';

export interface DatumFile {
  readonly path: FilePath;
  readonly size: number;
  readonly hash: FileHash;
  readonly entry: FileEntry;
}

/** What one input contributes to a datum: the files of one glob match in one input commit. */
export interface DatumInput {
  /** The input's name: its files appear under /pfs/<name>/. */
  readonly name: string;
  readonly repo: RepoName;
  readonly branch: BranchName;
  readonly commit: CommitId;
  /** The matched path: the file itself, or the directory whose files the datum holds ('/' for the root). */
  readonly globMatch: FilePath;
  readonly matchType: MatchType;
  /** Files are to be materialised empty (Pachyderm's `empty_files`). */
  readonly emptyFiles: boolean;
  /** In path order: the matched file, or every file under the matched directory. */
  readonly files: readonly DatumFile[];
}

export interface Datum {
  readonly id: DatumId;
  /** In plan order (the order of the inputs in the spec); the ID does not depend on it. */
  readonly inputs: readonly DatumInput[];
}

/** The part of a datum input that names it, independent of any commit. */
export interface DatumSlot {
  readonly name: string;
  readonly repo: RepoName;
  readonly branch: BranchName;
  readonly globMatch: FilePath;
  readonly matchType: MatchType;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HASH_VERSION = 'strata-datum-hash-v1';

export function parseDatumId(value: string): DatumId {
  if (!HEX64.test(value)) {
    throw new InvalidArgumentError(`invalid datum ID ${JSON.stringify(value)}: expected a SHA-256 in hex`);
  }
  return value as DatumId;
}

export function parseDatumHash(value: string): DatumHash {
  if (!HEX64.test(value)) {
    throw new InvalidArgumentError(`invalid datum hash ${JSON.stringify(value)}: expected a SHA-256 in hex`);
  }
  return value as DatumHash;
}

/**
 * The ID of the datum made of these slots: a hash of their sorted keys. It holds no commit and
 * no content, so the same match of the same inputs has the same ID in every job, and it holds the
 * repo and branch beside the input name because union inputs may share a name (Pachyderm mounts
 * them at the same /pfs/<name>) while their matches are different datums.
 */
export function datumIdOf(slots: readonly DatumSlot[]): DatumId {
  return sha256Hex(slots.map(slotKey).sort()) as DatumId;
}

/** A slot's canonical text: unambiguous (JSON), and sorting by it orders a datum's inputs. */
export function slotKey(slot: DatumSlot): string {
  return JSON.stringify([slot.name, slot.repo, slot.branch, slot.matchType, slot.globMatch]);
}

/**
 * The datum's hash: its ID, every input file's path and content hash, the pipeline's salt and
 * `specIdentity`, the caller's canonical text of what in the spec shapes outputs (image, cmd,
 * stdin, env, …). A datum whose hash equals the hash recorded by an earlier job can reuse that
 * job's output. Commits do not enter it (a new commit with the same files changes nothing), nor
 * do chunk locations (the same bytes stored twice are the same file).
 */
export function datumHash(datum: Datum, salt: string, specIdentity: string): DatumHash {
  const fields = [HASH_VERSION, datum.id, salt, specIdentity];
  const inputs = datum.inputs.map((input) => ({ key: slotKey(input), input }));
  inputs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { key, input } of inputs) {
    fields.push(key, input.emptyFiles ? 'empty-files' : 'files', String(input.files.length));
    for (const file of input.files) fields.push(file.path, file.hash);
  }
  return sha256Hex(fields) as DatumHash;
}

/**
 * SHA-256 over the fields, each prefixed with its length in UTF-8 bytes, so no two different
 * sequences of fields hash the same bytes. Written in slices of about 64 KiB: one native call per
 * slice rather than per field, without building one string the size of a large datum.
 */
function sha256Hex(fields: readonly string[]): string {
  const hash = createHash('sha256');
  let pending = '';
  for (const text of fields) {
    pending += `${Buffer.byteLength(text, 'utf8')}:${text}`;
    if (pending.length >= 65536) {
      hash.update(pending, 'utf8');
      pending = '';
    }
  }
  hash.update(pending, 'utf8');
  return hash.digest('hex');
}

/** A datum input's files as the model holds them. */
export function datumFileOf(entry: FileEntry): DatumFile {
  return { path: entry.path, size: entry.size, hash: entry.hash, entry };
}
