/**
 * pipeline-incremental: a `cp` pipeline over 10,000 single-file datums (glob `/*`, parallelism 2)
 * on the local backend; the first job against a re-run after 1% of the input files changed.
 * Targets: the re-run ≥ 20× faster than the first job, running only the changed datums, with an
 * output identical to a from-scratch run's (for `cp`, the changed input tree itself).
 */
import { atLeast, MB, recordInfo, type Scenario } from '../harness/context.ts';
import { runAloneWhenMain } from '../harness/standalone.ts';
import { runWorker } from '../harness/strata.ts';
import { IncrementalOutput } from '../workers/pipeline-protocol.ts';
import { pipelineSizes } from './pipeline-sizes.ts';

const PARALLELISM = 2;

export const pipelineIncremental: Scenario = {
  name: 'pipeline-incremental',
  summary: 'cp over 10,000 single-file datums: first job against a re-run after 1% of the files changed',
  async run(ctx) {
    const { incrementalDatums: datums, changeEvery } = pipelineSizes(ctx.sizes);
    const home = await ctx.freshDir('strata-pipeline-incremental');
    ctx.log(
      `strata: ${datums.toLocaleString('en-US')} datums, then a re-run after 1 in ${changeEvery} changed`,
    );
    const input = { home, datums, changeEvery, parallelism: PARALLELISM };
    const { run, output } = await runWorker(ctx, 'pipeline-incremental.ts', input, IncrementalOutput);
    ctx.detail('run', { seconds: run.seconds, peakRssBytes: run.peakRssBytes, ...output });

    const system = `strata (local, ${output.mode})`;
    const { first, rerun } = output;
    const counts = (timing: typeof first) =>
      `processed ${timing.counts.processed.toLocaleString('en-US')}, skipped ${timing.counts.skipped.toLocaleString('en-US')}`;
    recordInfo(
      ctx,
      system,
      'datums',
      output.datums,
      'count',
      `parallelism ${PARALLELISM}; ${output.changed} files changed for the re-run`,
    );
    recordInfo(ctx, system, 'first job', first.jobMs / 1000, 's', counts(first));
    recordInfo(
      ctx,
      system,
      're-run job',
      rerun.jobMs / 1000,
      's',
      `${counts(rerun)}; plan ${rerun.planMs} ms, run ${rerun.runUnitsMs} ms, assemble ${rerun.assembleMs} ms`,
    );
    ctx.record({
      system,
      metric: 'datums processed by re-run',
      value: rerun.counts.processed,
      unit: 'count',
      target: `= ${output.changed}`,
      verdict: rerun.counts.processed === output.changed && rerun.counts.failed === 0 ? 'pass' : 'miss',
      note: `skipped ${rerun.counts.skipped.toLocaleString('en-US')} of ${rerun.counts.total.toLocaleString('en-US')}`,
    });
    const speedup = first.jobMs / rerun.jobMs;
    ctx.record({
      system,
      metric: 'first job ÷ re-run',
      value: speedup,
      unit: 'x',
      target: '≥ 20×',
      verdict: atLeast(speedup, 20),
    });
    const differences = output.rerunOutput.differences + output.firstOutput.differences;
    ctx.record({
      system,
      metric: 'files differing from scratch',
      value: differences,
      unit: 'count',
      target: '= 0',
      verdict: differences === 0 ? 'pass' : 'miss',
      note:
        differences === 0
          ? `both outputs equal their input trees (paths, sizes, hashes); ${output.outputChanges} output files changed`
          : [...output.firstOutput.examples, ...output.rerunOutput.examples].join('; '),
    });
    recordInfo(
      ctx,
      system,
      'peak RSS',
      run.peakRssBytes / MB,
      'MB',
      'the worker: engine, stores and both jobs',
    );
  },
};

runAloneWhenMain(import.meta, pipelineIncremental.name);
