/**
 * commit-1m: one commit of 1,000,000 small files (40–60 bytes each, generated in memory) through
 * the service on the local backend, in a worker process of its own. Reports the time of the
 * putFiles call and the worker's peak RSS (target ≤ 1 GB), and the requests made per 1,000 files.
 */
import { atMost, MB, recordInfo, type Scenario } from '../harness/context.ts';
import { manyFileRepo } from './many-files.ts';

export const commit1m: Scenario = {
  name: 'commit-1m',
  summary: 'one commit of 1,000,000 small files generated in memory (local backend): time and peak RSS',
  async run(ctx) {
    const { run, output } = await manyFileRepo(ctx);
    ctx.detail('build', { seconds: run.seconds, peakRssBytes: run.peakRssBytes, ...output });
    const system = 'strata (local)';
    const perK = (count: number) => (count * 1000) / output.files;
    recordInfo(ctx, system, 'files', output.files, 'count');
    recordInfo(ctx, system, 'commit time', output.commitSeconds, 's');
    recordInfo(ctx, system, 'rate', output.files / output.commitSeconds, 'files/s');
    ctx.record({
      system,
      metric: 'peak RSS',
      value: run.peakRssBytes / MB,
      unit: 'MB',
      target: '≤ 1,000 MB',
      verdict: atMost(run.peakRssBytes, 1000 * MB),
    });
    const { commitRequests: requests } = output;
    recordInfo(ctx, system, 'object PUTs', perK(requests.objectPuts), 'per 1k files');
    recordInfo(ctx, system, 'KV items written', perK(requests.kvItemsWritten), 'per 1k files');
  },
};
