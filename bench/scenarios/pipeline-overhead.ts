/**
 * pipeline-overhead: the engine's own cost per datum, with a command that does nothing (`true`)
 * on one small file per datum, datums one after another (parallelism 1). The job's time per
 * datum, minus the bare cost of the same process spawned directly from Node in the same host
 * mode, is the engine's overhead; target ≤ 5 ms. Run in each host mode available here: bubblewrap
 * (what 'auto' picks where it works) and host-env.
 *
 * Where the overhead goes, from the job record, the workflow's state events and the datums'
 * recorded durations (no instrumentation in the domain):
 * - dispatch, plan, assemble: the job's time outside RunUnits, spread over its datums;
 * - executor: a datum's own duration minus the bare process (scratch tree, inputs written,
 *   command and sandbox set-up, input check, outputs collected);
 * - unit runner: RunUnits' time beyond the datums' durations (outputs stored, scratch removed,
 *   datum results recorded, unit bookkeeping).
 */
import { atMost, type BenchContext, recordInfo, type Scenario } from '../harness/context.ts';
import { runAloneWhenMain } from '../harness/standalone.ts';
import { runWorker } from '../harness/strata.ts';
import { OverheadOutput, type OverheadRun } from '../workers/pipeline-protocol.ts';
import { pipelineSizes } from './pipeline-sizes.ts';

const BUDGET_MS = 5;

export const pipelineOverhead: Scenario = {
  name: 'pipeline-overhead',
  summary: 'engine overhead per datum with a no-op command, beyond the bare process cost',
  async run(ctx) {
    const { overheadDatums: datums } = pipelineSizes(ctx.sizes);
    const home = await ctx.freshDir('strata-pipeline-overhead');
    ctx.log(`strata: ${datums.toLocaleString('en-US')} no-op datums per host mode, and as many bare spawns`);
    const input = { home, datums, isolations: ['auto', 'host-env'] };
    const { run, output } = await runWorker(ctx, 'pipeline-overhead.ts', input, OverheadOutput);
    ctx.detail('run', { seconds: run.seconds, peakRssBytes: run.peakRssBytes, ...output });
    for (const measured of output.runs) recordRun(ctx, measured);
  },
};

function recordRun(ctx: BenchContext, run: OverheadRun): void {
  const system = `strata (local, ${run.mode})`;
  const { job, datums } = run;
  const perDatum = job.jobMs / datums;
  const overhead = perDatum - run.bareSpawnMs;
  const bare = run.mode === 'bwrap' ? '`bwrap … true`' : '`true`';
  recordInfo(
    ctx,
    system,
    'per-datum wall time',
    perDatum,
    'ms',
    `job of ${datums.toLocaleString('en-US')} datums: ${(job.jobMs / 1000).toFixed(1)} s`,
  );
  recordInfo(ctx, system, 'bare process cost', run.bareSpawnMs, 'ms', `${bare} spawned from Node, mean`);
  ctx.record({
    system,
    metric: 'engine overhead per datum',
    value: overhead,
    unit: 'ms',
    target: `≤ ${BUDGET_MS} ms`,
    verdict: atMost(overhead, BUDGET_MS),
    ...(run.bareSpawnMs > BUDGET_MS
      ? {
          note: `the bare ${bare} alone takes ${run.bareSpawnMs.toFixed(1)} ms, above the ${BUDGET_MS} ms budget itself`,
        }
      : {}),
  });
  const outsideUnits = job.jobMs - job.runUnitsMs;
  recordInfo(
    ctx,
    system,
    '  of which dispatch, plan, assemble',
    outsideUnits / datums,
    'ms',
    `per job: dispatch ${job.dispatchMs} ms, plan ${job.planMs} ms, assemble ${job.assembleMs} ms`,
  );
  recordInfo(
    ctx,
    system,
    '  of which executor set-up',
    run.datumMeanMs - run.bareSpawnMs,
    'ms',
    `datum duration ${run.datumMeanMs.toFixed(1)} ms minus the bare process: scratch, inputs, checks, outputs`,
  );
  recordInfo(
    ctx,
    system,
    '  of which unit runner',
    job.runUnitsMs / datums - run.datumMeanMs,
    'ms',
    'store outputs, remove scratch, record datum results',
  );
}

runAloneWhenMain(import.meta, pipelineOverhead.name);
