/**
 * The many-file repo shared by commit-1m and diff-1m: one commit of a million small files
 * generated in memory, then one commit changing 100 of them, built through the service on the
 * local backend in a worker process. Built once per run, whichever scenario asks first.
 */
import type { BenchContext } from '../harness/context.ts';
import type { ProcessRun } from '../harness/process.ts';
import { runWorker } from '../harness/strata.ts';
import { BuildOutput } from '../workers/protocol.ts';

export interface ManyFileRepo {
  readonly home: string;
  readonly run: ProcessRun;
  readonly output: BuildOutput;
}

export function manyFileRepo(ctx: BenchContext): Promise<ManyFileRepo> {
  return ctx.fixture('many-file-repo', async () => {
    const home = await ctx.freshDir('strata-many');
    const { manyFiles: files, manyChanged: changed } = ctx.sizes;
    ctx.log(`strata: building a ${files.toLocaleString('en-US')}-file commit, then one changing ${changed}`);
    const input = { home, files, changed, seed: 'strata-bench/many-files' };
    const { run, output } = await runWorker(ctx, 'build-many-files.ts', input, BuildOutput);
    return { home, run, output };
  });
}
