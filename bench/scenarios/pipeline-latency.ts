/**
 * pipeline-latency: from a commit finished (putFiles resolved) to its job running (the job
 * record's `started`), for a pipeline with one tiny datum, each job ending before the next
 * commit. Target: ≤ 200 ms, median and p95, on both paths an event takes locally:
 *
 * - the engine's in-process bus, as when a CLI command runs the engine itself. Each such command
 *   is a new process with a new engine, so a commit through a new engine in a new process is
 *   judged too (median over 5 processes): it also pays the engine's one-time set-up;
 * - the KV event log that `strata local up` polls, with an engine that has run a job already.
 */
import { atMost, type BenchContext, type Scenario } from '../harness/context.ts';
import { runAloneWhenMain } from '../harness/standalone.ts';
import { runWorker } from '../harness/strata.ts';
import { LatencyColdOutput, type LatencySample, LatencyWarmOutput } from '../workers/pipeline-protocol.ts';
import { pipelineSizes } from './pipeline-sizes.ts';

const TARGET_MS = 200;

export const pipelineLatency: Scenario = {
  name: 'pipeline-latency',
  summary: 'commit finished → job running, in-process bus and the local engine’s event log',
  async run(ctx) {
    const { latencyCommits: commits, latencyColdStarts: coldStarts } = pipelineSizes(ctx.sizes);
    const home = await ctx.freshDir('strata-pipeline-latency');
    ctx.log(`strata: ${commits} commits on each path, then ${coldStarts} through new engine processes`);
    const warm = await runWorker(
      ctx,
      'pipeline-latency.ts',
      { kind: 'warm', home, commits },
      LatencyWarmOutput,
    );
    const cold: LatencySample[] = [];
    for (let n = 0; n < coldStarts; n++) {
      const { output } = await runWorker(
        ctx,
        'pipeline-latency.ts',
        { kind: 'cold', home },
        LatencyColdOutput,
      );
      cold.push(output.sample);
    }
    ctx.detail('run', {
      seconds: warm.run.seconds,
      peakRssBytes: warm.run.peakRssBytes,
      ...warm.output,
      cold,
    });

    const inProcess = 'strata (in-process bus)';
    recordWarm(ctx, inProcess, warm.output.inProcess.samples);
    judge(
      ctx,
      inProcess,
      `new engine process, median of ${cold.length}`,
      percentile(cold, 'startedMs', 50),
      `job created at ${percentile(cold, 'createdMs', 50)} ms; a CLI command without \`strata local up\` pays this`,
    );
    recordWarm(
      ctx,
      `strata (local up, ${warm.output.eventLog.pollMs} ms poll)`,
      warm.output.eventLog.samples,
    );
  },
};

function recordWarm(ctx: BenchContext, system: string, samples: readonly LatencySample[]): void {
  const of = `of ${samples.length} commits`;
  const created = `job created at ${percentile(samples, 'createdMs', 50)} ms (median)`;
  judge(ctx, system, `commit → running, median ${of}`, percentile(samples, 'startedMs', 50), created);
  const max = `max ${Math.max(...samples.map((sample) => sample.startedMs))} ms`;
  judge(ctx, system, `commit → running, p95 ${of}`, percentile(samples, 'startedMs', 95), max);
}

function judge(ctx: BenchContext, system: string, metric: string, value: number, note: string): void {
  ctx.record({
    system,
    metric,
    value,
    unit: 'ms',
    target: `≤ ${TARGET_MS} ms`,
    verdict: atMost(value, TARGET_MS),
    note,
  });
}

/** The nearest-rank percentile of one of the samples' measures. */
function percentile(
  samples: readonly LatencySample[],
  measure: 'startedMs' | 'createdMs',
  p: number,
): number {
  const sorted = samples.map((sample) => sample[measure]).sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

runAloneWhenMain(import.meta, pipelineLatency.name);
