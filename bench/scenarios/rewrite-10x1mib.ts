/**
 * rewrite-10x1mib: the large file with ten 1 MiB regions rewritten, stored again on top of the
 * stores of ingest-1gib (Strata: a second commit of the same path; restic: a second snapshot).
 * New bytes stored are the growth of Strata's objects folder (split into pack data and index
 * objects) and of restic's repository folder, measured by walking them. Targets: Strata's new
 * data at most 1.1 × the changed bytes (index objects come on top), and no slower than restic.
 */
import { join } from 'node:path';
import {
  atMost,
  attempt,
  type BenchContext,
  MB,
  MiB,
  type Outcome,
  recordInfo,
  recordMissing,
  recordRatio,
  type Scenario,
} from '../harness/context.ts';
import { rewriteRegions } from '../harness/data.ts';
import { type FolderUsage, folderUsage, usageGrowth } from '../harness/disk.ts';
import { restic } from '../harness/peers.ts';
import type { ProcessRun } from '../harness/process.ts';
import { type PutSummary, strataPut } from '../harness/strata.ts';
import { BIG_FILE_PATH, type BigFileStores, bigFileStores } from './big-file.ts';

/** Object folders holding file bytes; everything else in the objects folder is index. */
const DATA_FOLDERS = new Set(['packs']);

function indexBytes(growth: FolderUsage): number {
  return Object.entries(growth.byTop)
    .filter(([top]) => !DATA_FOLDERS.has(top))
    .reduce((sum, [, bytes]) => sum + bytes, 0);
}

async function growthOf<T>(
  folder: string,
  work: () => Promise<T>,
): Promise<{ result: T; growth: FolderUsage }> {
  const before = await folderUsage(folder);
  const result = await work();
  return { result, growth: usageGrowth(before, await folderUsage(folder)) };
}

interface StrataRewrite {
  readonly run: ProcessRun;
  readonly put: PutSummary;
  readonly objects: FolderUsage;
  readonly home: FolderUsage;
}

async function strataRewrite(
  ctx: BenchContext,
  stores: BigFileStores,
  file: string,
): Promise<Outcome<StrataRewrite>> {
  if (stores.strata.status !== 'ok') return stores.strata;
  const { home } = stores.strata.value;
  return attempt(async () => {
    ctx.log('strata: put file (rewritten)');
    const homeBefore = await folderUsage(home);
    const { result, growth: objects } = await growthOf(join(home, 'objects'), () =>
      strataPut(ctx, home, [BIG_FILE_PATH, '-f', file]),
    );
    return {
      run: result.run,
      put: result.result,
      objects,
      home: usageGrowth(homeBefore, await folderUsage(home)),
    };
  });
}

async function resticRewrite(
  ctx: BenchContext,
  stores: BigFileStores,
  file: string,
): Promise<Outcome<{ run: ProcessRun; growth: FolderUsage }>> {
  const peer = ctx.peers.restic;
  if (stores.restic.status !== 'ok') return stores.restic;
  if (!peer.installed) return { status: 'absent' };
  const { repo } = stores.restic.value;
  return attempt(async () => {
    ctx.log('restic: backup (rewritten)');
    const { result: run, growth } = await growthOf(repo, () => restic(ctx, peer, repo, ['backup', file]));
    return { run, growth };
  });
}

export const rewrite10x1mib: Scenario = {
  name: 'rewrite-10x1mib',
  summary: 'the same file with ten 1 MiB regions rewritten, stored again: new bytes stored and time',
  async run(ctx) {
    const stores = await bigFileStores(ctx);
    const { rewriteRegions: count, rewriteRegionBytes: length } = ctx.sizes;
    const rewritten = join(ctx.dataDir, 'v2', 'big.bin');
    const regions = await rewriteRegions(stores.file.path, rewritten, count, length, 'strata-bench/rewrite');
    const changed = count * length;
    ctx.detail('regions', regions);
    recordInfo(ctx, 'input', 'changed bytes', changed / MiB, 'MiB');

    const strata = await strataRewrite(ctx, stores, rewritten);
    if (strata.status === 'ok') {
      const { run, put, objects, home } = strata.value;
      const index = indexBytes(objects);
      const data = objects.bytes - index;
      ctx.detail('strata', { seconds: run.seconds, peakRssBytes: run.peakRssBytes, put, objects, home });
      ctx.record({
        system: 'strata',
        metric: 'new data (packs)',
        value: data / MiB,
        unit: 'MiB',
        target: `≤ ${((1.1 * changed) / MiB).toFixed(1)} MiB (1.1 × changed)`,
        verdict: atMost(data, 1.1 * changed),
      });
      recordInfo(ctx, 'strata', 'new index objects', index / MiB, 'MiB');
      recordInfo(ctx, 'strata', 'objects folder growth', objects.bytes / MiB, 'MiB');
      recordInfo(ctx, 'strata', 'home growth (with KV)', home.bytes / MiB, 'MiB');
      recordInfo(ctx, 'strata', 'newBytes reported', put.newBytes / MiB, 'MiB');
      recordInfo(ctx, 'strata', 'time', run.seconds, 's');
      recordInfo(ctx, 'strata', 'peak RSS', run.peakRssBytes / MB, 'MB');
    } else {
      recordMissing(ctx, 'strata', strata);
    }

    const peer = await resticRewrite(ctx, stores, rewritten);
    if (peer.status === 'ok') {
      const { run, growth } = peer.value;
      ctx.detail('restic', { seconds: run.seconds, peakRssBytes: run.peakRssBytes, growth });
      recordInfo(ctx, 'restic', 'repo growth', growth.bytes / MiB, 'MiB');
      recordInfo(ctx, 'restic', 'time', run.seconds, 's');
    } else {
      recordMissing(ctx, 'restic', peer);
    }

    recordRatio(
      ctx,
      { system: 'strata ÷ restic', metric: 'time ratio', target: '≤ 1× restic' },
      { name: 'restic', outcome: peer },
      strata.status === 'ok' && peer.status === 'ok'
        ? strata.value.run.seconds / peer.value.run.seconds
        : undefined,
      (ratio) => ratio <= 1,
    );
  },
};
