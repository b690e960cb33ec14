/**
 * Sizes of the pipeline scenarios. The harness's sizes tell a quick run from a full one; these
 * scale with it.
 */
import { isDeepStrictEqual } from 'node:util';
import { QUICK_SIZES, type Sizes } from '../harness/options.ts';

export interface PipelineSizes {
  /** pipeline-incremental: one single-file datum per input file. */
  readonly incrementalDatums: number;
  /** pipeline-incremental: every n-th input file changes before the re-run (100: 1%). */
  readonly changeEvery: number;
  /** pipeline-overhead: no-op datums per host mode. */
  readonly overheadDatums: number;
  /** pipeline-latency: commits measured per path on an engine that has run a job. */
  readonly latencyCommits: number;
  /** pipeline-latency: commits through a new engine in a new process (the CLI's case). */
  readonly latencyColdStarts: number;
}

const FULL: PipelineSizes = {
  incrementalDatums: 10_000,
  changeEvery: 100,
  overheadDatums: 500,
  latencyCommits: 20,
  latencyColdStarts: 5,
};

const QUICK: PipelineSizes = {
  incrementalDatums: 1_000,
  changeEvery: 100,
  overheadDatums: 100,
  latencyCommits: 10,
  latencyColdStarts: 3,
};

export function pipelineSizes(sizes: Sizes): PipelineSizes {
  return isDeepStrictEqual(sizes, QUICK_SIZES) ? QUICK : FULL;
}
