/**
 * What the pipeline workers take and print, as in protocol.ts: both sides parse with these
 * schemas. Times are milliseconds of wall clock.
 */
import { z } from 'zod';

const DatumCounts = z.object({
  total: z.number(),
  processed: z.number(),
  skipped: z.number(),
  failed: z.number(),
  recovered: z.number(),
});

/** Where a job's time went, from its record and the workflow's state events. */
export const JobTiming = z.object({
  /** created → finished, from the job record. */
  jobMs: z.number(),
  /** created → started: opening the output commit, provenance, starting the workflow. */
  dispatchMs: z.number(),
  planMs: z.number(),
  runUnitsMs: z.number(),
  assembleMs: z.number(),
  counts: DatumCounts,
});
export type JobTiming = z.infer<typeof JobTiming>;

/** How the datums' processes were started: the host isolation a datum record names. */
const HostMode = z.enum(['bwrap', 'host-env']);
export type HostMode = z.infer<typeof HostMode>;

export const IncrementalInput = z.object({
  home: z.string(),
  datums: z.number().int().positive(),
  /** Every `changeEvery`-th input file is rewritten before the second job. */
  changeEvery: z.number().int().positive(),
  parallelism: z.number().int().positive(),
});
export type IncrementalInput = z.infer<typeof IncrementalInput>;

const TreeCheck = z.object({
  files: z.number(),
  differences: z.number(),
  /** The first few differences, as `path: actual ≠ expected`. */
  examples: z.array(z.string()),
});

export const IncrementalOutput = z.object({
  mode: HostMode,
  datums: z.number(),
  changed: z.number(),
  putSeconds: z.number(),
  first: JobTiming,
  rerun: JobTiming,
  /** putFiles resolved → the re-run job ended (engine idle). */
  rerunWallMs: z.number(),
  /** The first job's output against its input tree. */
  firstOutput: TreeCheck,
  /** The re-run's output against the from-scratch expectation (the changed input tree). */
  rerunOutput: TreeCheck,
  /** Files that differ between the two output commits. */
  outputChanges: z.number(),
  peakRssAfterFirstJobBytes: z.number(),
});
export type IncrementalOutput = z.infer<typeof IncrementalOutput>;

export const OverheadInput = z.object({
  home: z.string(),
  datums: z.number().int().positive(),
  /** Host isolations to run the job with; 'auto' resolves to bwrap where it works. */
  isolations: z.array(z.enum(['auto', 'host-env'])),
});
export type OverheadInput = z.infer<typeof OverheadInput>;

export const OverheadRun = z.object({
  mode: HostMode,
  datums: z.number(),
  job: JobTiming,
  /** Mean wall time of spawning `true` directly, in this mode, from the same process. */
  bareSpawnMs: z.number(),
  /** Mean of the datums' own durations (the executor's runDatum). */
  datumMeanMs: z.number(),
});
export type OverheadRun = z.infer<typeof OverheadRun>;

export const OverheadOutput = z.object({ runs: z.array(OverheadRun) });
export type OverheadOutput = z.infer<typeof OverheadOutput>;

export const LatencyInput = z.discriminatedUnion('kind', [
  /** Creates the pipelines and measures `commits` commits on each path. */
  z.object({ kind: z.literal('warm'), home: z.string(), commits: z.number().int().positive() }),
  /** One commit through a new engine on the warm run's in-process home. */
  z.object({ kind: z.literal('cold'), home: z.string() }),
]);
export type LatencyInput = z.infer<typeof LatencyInput>;

/** One commit's path to its job, in ms after putFiles resolved. */
const LatencySample = z.object({
  /** The job record's `created`. */
  createdMs: z.number(),
  /** The job record's `started` (state running): the figure judged. */
  startedMs: z.number(),
  /** The commit's own `finished` stamp, relative to the same moment (≤ 0). */
  commitFinishedMs: z.number(),
});
export type LatencySample = z.infer<typeof LatencySample>;

export const LatencyPath = z.object({ mode: HostMode, samples: z.array(LatencySample) });
export type LatencyPath = z.infer<typeof LatencyPath>;

export const LatencyWarmOutput = z.object({
  kind: z.literal('warm'),
  /** The engine's own in-process bus: the writer is the engine (the CLI without a daemon). */
  inProcess: LatencyPath,
  /** The KV event log `strata local up` polls: the writer is another service on the same home. */
  eventLog: LatencyPath.extend({ pollMs: z.number() }),
});

export const LatencyColdOutput = z.object({ kind: z.literal('cold'), sample: LatencySample });

export const LatencyOutput = z.discriminatedUnion('kind', [LatencyWarmOutput, LatencyColdOutput]);
export type LatencyOutput = z.infer<typeof LatencyOutput>;
