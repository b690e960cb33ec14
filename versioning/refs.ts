/**
 * References in pachctl's grammar:
 *   repo@branch            a branch head          repo@<commit-id>     a commit
 *   repo@ref^  repo@ref^3  an ancestor (^ = parent, ^N = N generations back; ~N is accepted too)
 *   repo@ref:/path         a file or directory in that commit
 * A name of 32 hex characters is a commit ID; branch names may never look like one.
 */
import { InvalidArgumentError } from './errors.ts';
import {
  type BranchName,
  type CommitId,
  type FilePath,
  isCommitIdLike,
  parseBranchName,
  parseCommitId,
  parseFilePath,
  parseRepoName,
  type RepoName,
} from './ids.ts';

export type RefBase =
  | { readonly kind: 'branch'; readonly branch: BranchName }
  | { readonly kind: 'commit'; readonly commit: CommitId };

export interface CommitRef {
  readonly repo: RepoName;
  readonly base: RefBase;
  /** Generations to walk back from `base`: 0 is the base itself. */
  readonly ancestors: number;
}

export interface BranchRef {
  readonly repo: RepoName;
  readonly branch: BranchName;
}

export interface FileRef extends CommitRef {
  readonly path: FilePath;
}

const ANCESTRY = /(\^+|[\^~]\d+)+$/;

function splitAncestry(text: string): { name: string; ancestors: number } {
  const match = ANCESTRY.exec(text);
  if (!match) return { name: text, ancestors: 0 };
  let ancestors = 0;
  for (const step of match[0].matchAll(/[\^~](\d*)/g)) {
    ancestors += step[1] ? Number(step[1]) : 1;
  }
  return { name: text.slice(0, match.index), ancestors };
}

function splitRepo(text: string, shape: string): [string, string] {
  const at = text.indexOf('@');
  if (at <= 0 || at === text.length - 1) {
    throw new InvalidArgumentError(`invalid reference ${JSON.stringify(text)}: expected ${shape}`);
  }
  return [text.slice(0, at), text.slice(at + 1)];
}

/** Parses `repo@branch`, `repo@commit`, with optional `^`/`^N` ancestry. */
export function parseCommitRef(text: string): CommitRef {
  const [repoText, rest] = splitRepo(text, 'repo@branch, repo@<commit-id> or repo@ref^N');
  const repo = parseRepoName(repoText);
  const { name, ancestors } = splitAncestry(rest);
  if (name === '') {
    throw new InvalidArgumentError(
      `invalid reference ${JSON.stringify(text)}: a branch or commit ID must come before '^'`,
    );
  }
  const base: RefBase = isCommitIdLike(name)
    ? { kind: 'commit', commit: parseCommitId(name) }
    : { kind: 'branch', branch: parseBranchName(name) };
  return { repo, base, ancestors };
}

/** Parses `repo@branch` (no commit IDs, no ancestry): what can be written to or moved. */
export function parseBranchRef(text: string): BranchRef {
  const [repoText, branchText] = splitRepo(text, 'repo@branch');
  return { repo: parseRepoName(repoText), branch: parseBranchName(branchText) };
}

/**
 * Parses `repo@ref:/path`. The path part may be omitted (`repo@ref`) where `defaultPath` is
 * given, e.g. '/' for listing. The first ':' after '@' separates the path, so paths may hold ':'.
 */
export function parseFileRef(
  text: string,
  options: { defaultPath?: string; allowRoot?: boolean } = {},
): FileRef {
  const at = text.indexOf('@');
  const colon = at < 0 ? -1 : text.indexOf(':', at);
  const refText = colon < 0 ? text : text.slice(0, colon);
  const pathText = colon < 0 ? options.defaultPath : text.slice(colon + 1);
  if (pathText === undefined) {
    throw new InvalidArgumentError(`invalid file reference ${JSON.stringify(text)}: expected repo@ref:/path`);
  }
  const ref = parseCommitRef(refText);
  return { ...ref, path: parseFilePath(pathText, { allowRoot: options.allowRoot ?? false }) };
}

export function formatCommitRef(ref: CommitRef): string {
  const base = ref.base.kind === 'branch' ? ref.base.branch : ref.base.commit;
  return `${ref.repo}@${base}${ref.ancestors > 0 ? `^${ref.ancestors}` : ''}`;
}
