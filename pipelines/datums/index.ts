/**
 * Datums: the units of work of a pipeline job, and which of them a job must run.
 *
 * Rules of the model:
 * - A datum is the set of input files one glob match selects, per input: a matched file, or every
 *   file under a matched directory ('/' is one datum of the whole repo, '/*' one per top-level
 *   file or directory). Globs mean what FileIndex.glob makes of them (Pachyderm's syntax).
 * - Inputs combine as in Pachyderm: `cross` takes every combination of one datum per child,
 *   `union` the datums of each child in turn, `join` combines the children's datums whose join_on
 *   texts are equal (the glob's capture groups, '$1', expanded; `outer_join` keeps a child's
 *   unmatched datums), `group` makes one datum of all the children's datums with equal group_by
 *   text; `cron` is the pfs input '/*' on its tick repo.
 * - Plans are deterministic: the same input commits and spec give the same datums in the same
 *   order (entry order for pfs; child order for union and cross; key order for join and group).
 * - A datum's ID names it across jobs: a hash of its inputs' (name, repo, branch, match type,
 *   matched path), sorted; no commit, no content.
 * - A datum's hash covers its ID, each input file's path and content hash, the pipeline salt and
 *   the spec's output-shaping identity. A datum whose hash equals the one the previous job
 *   recorded reuses that output; one the previous job had and the new job lacks is removed.
 * - Planning reads the file index only: it runs nothing, and costs O(changed files) when every
 *   datum is one match of one input (pfs, cron, and unions of them); see incremental.ts.
 *
 * Not covered here: storing datum tables (the job engine keeps them in the KV store) and
 * splitting the datums to run into work units.
 */
export {
  type Datum,
  type DatumFile,
  type DatumHash,
  type DatumId,
  type DatumInput,
  type DatumSlot,
  datumHash,
  datumIdOf,
  type MatchType,
  parseDatumHash,
  parseDatumId,
} from './datum.ts';
export { type DatumRef, type InputMatch, type MatchSource, resolveDatum } from './datum-ref.ts';
export { type DatumTable, type DatumTableEntry, MemoryDatumTable } from './datum-table.ts';
export {
  type CaptureGlob,
  captureGroups,
  compileCaptureGlob,
  expandCaptures,
  globMatches,
} from './glob-capture.ts';
export {
  type DatumCounts,
  type DatumToRun,
  type IncrementalPlan,
  type IncrementalPlanRequest,
  type PlanStrategy,
  type PreviousJob,
  planIncremental,
} from './incremental.ts';
export { leafOf, leavesOf } from './input-tree.ts';
export {
  commitsByName,
  DEFAULT_MAX_MATCHES_IN_MEMORY,
  type InputCommit,
  type InputCommitLookup,
  type PlanOptions,
  type PlanSources,
  planDatumRefs,
  planDatums,
} from './plan.ts';
