/**
 * Pipeline and job records as stored in the KvStore, parsed through these schemas on every read.
 *
 * Rules:
 * - A pipeline record moves by compare-and-set; each spec version is also stored once, by
 *   number, so a job (and the lineage of its output) can always name the exact spec it ran.
 * - A job is named by its pipeline and global ID (commit set): creating it is a put-if-absent,
 *   so a re-delivered event finds the job there and creates nothing.
 * - A job's state only moves forward: created → running → finishing → success | failure | killed.
 */
import { z } from 'zod';
import { parseBranchName, parseCommitId, parseCommitSetId, parseRepoName } from '../../versioning/ids.ts';

const repoName = z.string().transform(parseRepoName);
const commitId = z.string().transform(parseCommitId);
const commitSetId = z.string().transform(parseCommitSetId);

export const pipelineRecord = z.object({
  name: repoName,
  version: z.number().int().positive(),
  specHash: z.string(),
  /** The spec as the user wrote it (JSON text); parsed again through the spec schema on use. */
  specText: z.string(),
  state: z.enum(['running', 'paused']),
  /** Mixed into every datum hash; chosen at creation when the spec gives none. */
  salt: z.string(),
  /** The newest successful job: the next job reuses its datum outputs. */
  lastSuccess: commitSetId.nullable(),
  /** The next job runs every datum (set by `update pipeline --reprocess` and `rerun --reprocess`). */
  reprocessNext: z.boolean(),
  created: z.string(),
  updated: z.string(),
});
export type PipelineRecord = z.output<typeof pipelineRecord>;

export const jobStates = ['created', 'running', 'finishing', 'success', 'failure', 'killed'] as const;
export type JobState = (typeof jobStates)[number];
export const terminalJobStates: ReadonlySet<JobState> = new Set(['success', 'failure', 'killed']);

export const datumCounts = z.object({
  total: z.number().int().nonnegative(),
  processed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  recovered: z.number().int().nonnegative(),
});
export type DatumCountsRecord = z.output<typeof datumCounts>;

export const jobInput = z.object({
  name: z.string(),
  repo: repoName,
  branch: z.string().transform(parseBranchName),
  commit: commitId,
});
export type JobInput = z.output<typeof jobInput>;

export const jobRecord = z.object({
  pipeline: repoName,
  commitSet: commitSetId,
  specVersion: z.number().int().positive(),
  state: z.enum(jobStates),
  /** Why the job failed or was killed. */
  reason: z.string().nullable(),
  outputCommit: commitId.nullable(),
  inputs: z.array(jobInput),
  /** The earlier job whose datum outputs this one may reuse. */
  previousJob: commitSetId.nullable(),
  reprocess: z.boolean(),
  counts: datumCounts,
  /** Object key of the job's datum table (datum → hash, inputs, outputs), once assembled. */
  datumTable: z.string().nullable(),
  /**
   * Object key of the job's output index (output path → the datums that wrote it), once
   * assembled. Absent on jobs recorded before output indexes existed: lineage then reads the
   * datum table instead.
   */
  outputIndex: z.string().nullable().optional(),
  created: z.string(),
  started: z.string().nullable(),
  finished: z.string().nullable(),
});
export type JobRecord = z.output<typeof jobRecord>;

export const emptyCounts: DatumCountsRecord = { total: 0, processed: 0, skipped: 0, failed: 0, recovered: 0 };
