/**
 * Lineage: what every commit and file was computed from, and what was computed from it.
 *
 * Rules of the model:
 * - Lineage is written by the platform, never by user code, and never changes: a pipeline's
 *   output commit gets its provenance (pipeline, spec version and hash, image, job, input
 *   commits) when the job opens it; each datum result records its input files with their content
 *   hashes and its output entries; assembly writes the job's output index (output path → the
 *   datums that wrote it) before the job succeeds and its commit finishes.
 * - A commit with no provenance is an origin commit (a user's write, an ingest batch, a revert):
 *   upstream lineage ends there.
 * - The lineage of a file of a pipeline output is the datums that wrote it (several when their
 *   outputs were concatenated, in datum-ID order), each datum's input files in the commits the
 *   datum read, and in turn the lineage of those files. A datum the job reused from an earlier
 *   job is traced through the earlier job's result, so it names the input commit it really read,
 *   which may be older than the job's own input commits.
 * - The lineage of a whole commit is its provenance and, in turn, that of each input commit.
 * - Downstream of a commit is every commit of its own commit set computed from it, directly or
 *   through other commits of the set: what one change caused.
 * - Every walk stops at a configurable depth and at a commit met again on its own path (a cycle,
 *   which pipeline validation should already rule out); a file or commit reached by several paths
 *   is traced once and shared.
 * - Asking for something that does not exist fails with a NotFoundError naming the ref.
 */
export { type CommitSetMember, commitSetMembers } from './commit-set.ts';
export { downstream } from './downstream.ts';
export { type FormatOptions, formatDownstream, formatLineage } from './format.ts';
export { resolveLineageRef } from './graph-reads.ts';
export {
  type DatumStep,
  type DownstreamCommit,
  type LineageDeps,
  type LineageNode,
  type LineageRef,
  lineageRefText,
  type Producer,
  type TraceOptions,
} from './model.ts';
export {
  findOutputWriters,
  type OutputIndexLine,
  type OutputWriters,
  outputIndexKey,
  type WritingDatum,
  writeOutputIndex,
} from './output-index.ts';
export { type ProvenanceRecord, readProvenance, recordProvenance } from './provenance.ts';
export { traceLineage } from './trace.ts';
