/**
 * A pipeline's input, as parsed from its spec: Pachyderm's input tree with its field names in
 * camelCase. The schema (spec/input-schema.ts) produces these values; the datum planner consumes them.
 *
 * Rules (Pachyderm's):
 * - `pfs`: each file or directory matching `glob` in the input commit is one datum.
 * - `cross`: every combination of one datum from each child.
 * - `union`: the datums of every child, one after another.
 * - `join`: datums of different children whose `joinOn` values (the glob's capture groups
 *   expanded, e.g. "$1") are equal are combined; `outerJoin` keeps unmatched datums of that child.
 *   Every child of a join is a pfs input with `joinOn`.
 * - `group`: datums of the children with equal `groupBy` values form one datum. Every child of a
 *   group is a pfs input with `groupBy`.
 * - `cron`: a tick repo that gets a commit per tick; it is a `pfs` input on that repo.
 * - Input names are unique across the whole tree, and never `out` (that is `/pfs/out`).
 */
import { InvalidArgumentError } from '../../versioning/errors.ts';
import type { BranchName, RepoName } from '../../versioning/ids.ts';

/** The output's directory, `/pfs/out`, so no input may take the name. */
export const OUTPUT_INPUT_NAME = 'out';
const INPUT_NAME_RULE = /^[a-zA-Z0-9_-]{1,63}$/;

/**
 * Checks an input name: its files appear under `/pfs/<name>/` and its commit in `<name>_COMMIT`.
 * (Input names stay plain strings in these types: the datum planner and its tests build inputs
 * directly. The spec's schema runs every name through this check.)
 */
export function checkInputName(value: string): string {
  if (!INPUT_NAME_RULE.test(value)) {
    throw new InvalidArgumentError(
      `invalid input name ${JSON.stringify(value)}: use 1–63 letters, digits, '_' or '-'`,
    );
  }
  if (value === OUTPUT_INPUT_NAME) {
    throw new InvalidArgumentError(
      `invalid input name ${JSON.stringify(value)}: /pfs/out is the output directory; give the input another name`,
    );
  }
  return value;
}

export interface PfsInput {
  readonly kind: 'pfs';
  /** Where the files appear: /pfs/<name>/…; defaults to the repo name. */
  readonly name: string;
  readonly repo: RepoName;
  readonly branch: BranchName;
  /** An absolute glob pattern ('/' is the repo's root). */
  readonly glob: string;
  /** Set exactly when the input is a child of a join. */
  readonly joinOn: string | null;
  readonly outerJoin: boolean;
  /** Set exactly when the input is a child of a group. */
  readonly groupBy: string | null;
  /** Materialise files as empty placeholders (the code only needs their names). */
  readonly emptyFiles: boolean;
}

export interface CronInput {
  readonly kind: 'cron';
  readonly name: string;
  /** A cron expression or '@every 10s'-style interval; `parseCronSchedule` reads it. */
  readonly spec: string;
  /** The repo that receives tick commits: the spec's `repo`, else '<pipeline>_<name>'. */
  readonly repo: RepoName;
  /** Each tick replaces the previous tick's file instead of adding one. */
  readonly overwrite: boolean;
}

/**
 * The tree's shape over its cron leaf type. Only `PipelineInput` leaves the parser: the schema
 * builds the tree with its cron leaves' tick repos still open (they need the pipeline's name),
 * then fills them in.
 */
export type InputTree<Cron> =
  | PfsInput
  | Cron
  | { readonly kind: 'cross'; readonly inputs: readonly InputTree<Cron>[] }
  | { readonly kind: 'union'; readonly inputs: readonly InputTree<Cron>[] }
  | { readonly kind: 'join'; readonly inputs: readonly InputTree<Cron>[] }
  | { readonly kind: 'group'; readonly inputs: readonly InputTree<Cron>[] };

export type PipelineInput = InputTree<CronInput>;
