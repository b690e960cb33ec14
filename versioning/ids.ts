/**
 * Branded identifiers. Each kind of ID is its own type, made only by its parse function, so a
 * branch name can never be passed where a commit ID is expected and every value that reaches
 * the domain has been checked once, at the boundary.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from './errors.ts';

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type RepoName = Brand<string, 'RepoName'>;
export type BranchName = Brand<string, 'BranchName'>;
/** 32 lowercase hex characters, random: names a commit (and, for origin commits, its commit set). */
export type CommitId = Brand<string, 'CommitId'>;
/** The global ID shared by every commit and job caused by one origin commit. */
export type CommitSetId = Brand<string, 'CommitSetId'>;
/** SHA-256 of a chunk's bytes, 64 lowercase hex characters. */
export type ChunkId = Brand<string, 'ChunkId'>;
/** SHA-256 of a stored immutable object (tree node, chunk list), 64 lowercase hex characters. */
export type ObjectHash = Brand<string, 'ObjectHash'>;
/** Names a file's content: SHA-256 over its chunk IDs in order, so equal bytes give equal hashes. */
export type FileHash = Brand<string, 'FileHash'>;
/** Names a pack object: 32 lowercase hex characters, random, never reused. */
export type PackId = Brand<string, 'PackId'>;
/** A canonical file path: starts with '/', no empty, '.' or '..' segments, no NUL, ≤ 4096 bytes. */
export type FilePath = Brand<string, 'FilePath'>;

const NAME_RULE = /^[a-zA-Z0-9_-]{1,63}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;
export const MAX_PATH_BYTES = 4096;

export function parseRepoName(value: string): RepoName {
  if (!NAME_RULE.test(value)) {
    throw new InvalidArgumentError(
      `invalid repo name ${JSON.stringify(value)}: use 1–63 letters, digits, '_' or '-'`,
    );
  }
  return value as RepoName;
}

export function parseBranchName(value: string): BranchName {
  if (!NAME_RULE.test(value)) {
    throw new InvalidArgumentError(
      `invalid branch name ${JSON.stringify(value)}: use 1–63 letters, digits, '_' or '-'`,
    );
  }
  if (HEX32.test(value)) {
    throw new InvalidArgumentError(
      `invalid branch name ${JSON.stringify(value)}: 32 hex characters would read as a commit ID`,
    );
  }
  return value as BranchName;
}

export function isCommitIdLike(value: string): boolean {
  return HEX32.test(value);
}

export function parseCommitId(value: string): CommitId {
  if (!HEX32.test(value)) {
    throw new InvalidArgumentError(
      `invalid commit ID ${JSON.stringify(value)}: expected 32 lowercase hex characters`,
    );
  }
  return value as CommitId;
}

export function parseCommitSetId(value: string): CommitSetId {
  if (!HEX32.test(value)) {
    throw new InvalidArgumentError(
      `invalid global ID ${JSON.stringify(value)}: expected 32 lowercase hex characters`,
    );
  }
  return value as CommitSetId;
}

export function parseChunkId(value: string): ChunkId {
  if (!HEX64.test(value)) {
    throw new InvalidArgumentError(`invalid chunk ID ${JSON.stringify(value)}: expected a SHA-256 in hex`);
  }
  return value as ChunkId;
}

export function parseObjectHash(value: string): ObjectHash {
  if (!HEX64.test(value)) {
    throw new InvalidArgumentError(`invalid object hash ${JSON.stringify(value)}: expected a SHA-256 in hex`);
  }
  return value as ObjectHash;
}

export function parseFileHash(value: string): FileHash {
  if (!HEX64.test(value)) {
    throw new InvalidArgumentError(`invalid file hash ${JSON.stringify(value)}: expected a SHA-256 in hex`);
  }
  return value as FileHash;
}

export function parsePackId(value: string): PackId {
  if (!HEX32.test(value)) {
    throw new InvalidArgumentError(
      `invalid pack ID ${JSON.stringify(value)}: expected 32 lowercase hex characters`,
    );
  }
  return value as PackId;
}

export function newCommitId(): CommitId {
  return randomBytes(16).toString('hex') as CommitId;
}

export function newPackId(): PackId {
  return randomBytes(16).toString('hex') as PackId;
}

/** A commit set is named by the commit that caused it. */
export function commitSetOf(origin: CommitId): CommitSetId {
  return origin as string as CommitSetId;
}

/**
 * Parses a user path into canonical form: '/a/b'. Accepts a missing leading '/', collapses
 * repeated and trailing '/', and rejects '.', '..', NUL and empty paths rather than guessing.
 * The root itself is '/' and only allowed where `allowRoot` says so (listing, globbing).
 */
export function parseFilePath(value: string, options: { allowRoot?: boolean } = {}): FilePath {
  if (value.includes('\0')) {
    throw new InvalidArgumentError(`invalid path ${JSON.stringify(value)}: paths may not contain NUL`);
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_PATH_BYTES) {
    throw new InvalidArgumentError(
      `invalid path ${JSON.stringify(`${value.slice(0, 60)}…`)}: paths are at most ${MAX_PATH_BYTES} bytes`,
    );
  }
  const segments = value.split('/').filter((segment) => segment !== '');
  for (const segment of segments) {
    if (segment === '.' || segment === '..') {
      throw new InvalidArgumentError(
        `invalid path ${JSON.stringify(value)}: '${segment}' segments are not allowed; give the path from the repo root`,
      );
    }
  }
  if (segments.length === 0) {
    if (options.allowRoot) return '/' as FilePath;
    throw new InvalidArgumentError(
      `invalid path ${JSON.stringify(value)}: a file path may not be empty or '/'`,
    );
  }
  return `/${segments.join('/')}` as FilePath;
}

/** Joins a canonical directory path and a relative path. */
export function joinPath(dir: FilePath, relative: string): FilePath {
  return parseFilePath(dir === '/' ? `/${relative}` : `${dir}/${relative}`);
}
