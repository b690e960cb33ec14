/**
 * ingest-1gib: one large pseudo-random file into a fresh store. Strata: `create repo` (not
 * timed) then `put file` of the whole file; restic: `init` (not timed) then `backup`. Targets:
 * Strata at least twice restic's throughput, and at most 300 MB peak RSS.
 */
import { atMost, MB, recordInfo, recordMissing, recordRatio, type Scenario } from '../harness/context.ts';
import { bigFileStores } from './big-file.ts';

export const ingest1gib: Scenario = {
  name: 'ingest-1gib',
  summary: 'a 1 GiB pseudo-random file into a fresh store: throughput and peak RSS',
  async run(ctx) {
    const { file, strata, restic } = await bigFileStores(ctx);
    ctx.detail('fileBytes', file.size);
    const megabytes = file.size / MB;

    let strataRate: number | undefined;
    if (strata.status === 'ok') {
      const { put, result } = strata.value;
      strataRate = megabytes / put.seconds;
      ctx.detail('strata', { seconds: put.seconds, peakRssBytes: put.peakRssBytes, result });
      recordInfo(ctx, 'strata', 'throughput', strataRate, 'MB/s');
      recordInfo(ctx, 'strata', 'time', put.seconds, 's');
      ctx.record({
        system: 'strata',
        metric: 'peak RSS',
        value: put.peakRssBytes / MB,
        unit: 'MB',
        target: '≤ 300 MB',
        verdict: atMost(put.peakRssBytes, 300 * MB),
      });
    } else {
      recordMissing(ctx, 'strata', strata);
    }

    let resticRate: number | undefined;
    if (restic.status === 'ok') {
      const { backup } = restic.value;
      resticRate = megabytes / backup.seconds;
      ctx.detail('restic', { seconds: backup.seconds, peakRssBytes: backup.peakRssBytes });
      recordInfo(ctx, 'restic', 'throughput', resticRate, 'MB/s');
      recordInfo(ctx, 'restic', 'time', backup.seconds, 's');
      recordInfo(ctx, 'restic', 'peak RSS', backup.peakRssBytes / MB, 'MB');
    } else {
      recordMissing(ctx, 'restic', restic);
    }

    recordRatio(
      ctx,
      { system: 'strata ÷ restic', metric: 'throughput ratio', target: '≥ 2×' },
      { name: 'restic', outcome: restic },
      strataRate !== undefined && resticRate !== undefined ? strataRate / resticRate : undefined,
      (ratio) => ratio >= 2,
    );
  },
};
