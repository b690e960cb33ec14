/** Every scenario, in the order a full run takes them (later ones reuse earlier ones' stores). */
import type { Scenario } from '../harness/context.ts';
import { awsEmulators } from './aws-emulators.ts';
import { commit1m } from './commit-1m.ts';
import { diff1m } from './diff-1m.ts';
import { ingest1gib } from './ingest-1gib.ts';
import { pipelineIncremental } from './pipeline-incremental.ts';
import { pipelineLatency } from './pipeline-latency.ts';
import { pipelineOverhead } from './pipeline-overhead.ts';
import { rewrite10x1mib } from './rewrite-10x1mib.ts';
import { smallFiles20k } from './small-files-20k.ts';

export const SCENARIOS: readonly Scenario[] = [
  ingest1gib,
  rewrite10x1mib,
  smallFiles20k,
  diff1m,
  commit1m,
  pipelineIncremental,
  pipelineOverhead,
  pipelineLatency,
  awsEmulators,
];
