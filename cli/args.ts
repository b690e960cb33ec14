/**
 * Parsing of the CLI's arguments into the domain's values. The domain's parse functions
 * (versioning/refs.ts, versioning/ids.ts) do the checking and write the messages; this file only
 * knows the command-line shapes around them.
 */
import { InvalidArgumentError as UsageError } from 'commander';
import { InvalidArgumentError } from '../versioning/errors.ts';
import { type BranchName, parseBranchName, parseRepoName, type RepoName } from '../versioning/ids.ts';
import { type CommitRef, parseCommitRef } from '../versioning/refs.ts';

/** `REPO` or `REPO@BRANCH`, as `list commit` takes it. */
export function parseRepoOrBranch(text: string): { repo: RepoName; branch?: BranchName } {
  const at = text.indexOf('@');
  if (at < 0) return { repo: parseRepoName(text) };
  return { repo: parseRepoName(text.slice(0, at)), branch: parseBranchName(text.slice(at + 1)) };
}

/**
 * A ref given as an option of a command that already names a repo (`--head`, `--parent`):
 * either a whole `repo@ref`, or just the branch / commit ID, read in that repo.
 */
export function parseRefIn(repo: RepoName, text: string): CommitRef {
  return parseCommitRef(text.includes('@') ? text : `${repo}@${text}`);
}

/**
 * `REF[:PATH]` split at the first ':' after '@' (paths may hold ':'). The path is returned raw,
 * because a trailing '/' means "into this directory" to `put file`.
 */
export function splitFileArg(text: string): { ref: CommitRef; path: string | undefined } {
  const at = text.indexOf('@');
  const colon = at < 0 ? -1 : text.indexOf(':', at);
  if (colon < 0) return { ref: parseCommitRef(text), path: undefined };
  const path = text.slice(colon + 1);
  if (path === '') {
    throw new InvalidArgumentError(
      `invalid file reference ${JSON.stringify(text)}: nothing after ':'; give a path such as repo@master:/data/a.csv`,
    );
  }
  return { ref: parseCommitRef(text.slice(0, colon)), path };
}

/** A commander option parser for a whole number ≥ 1 (`-n 20`). */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1) {
    throw new UsageError(`expected a whole number of at least 1, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** A commander collector for options that may be given several times (`-f a -f b`). */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
