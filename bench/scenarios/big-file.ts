/**
 * The large file shared by ingest-1gib and rewrite-10x1mib, and each system's store after
 * ingesting it. Generated and ingested once per run: rewrite-10x1mib builds on these stores.
 */
import { join } from 'node:path';
import { attempt, type BenchContext, type Outcome } from '../harness/context.ts';
import { writeRandomFile } from '../harness/data.ts';
import { restic } from '../harness/peers.ts';
import type { ProcessRun } from '../harness/process.ts';
import { type PutSummary, strata, strataPut } from '../harness/strata.ts';

export interface BigFile {
  readonly path: string;
  readonly size: number;
}

export interface BigFileStores {
  readonly file: BigFile;
  readonly strata: Outcome<{ readonly home: string; readonly put: ProcessRun; readonly result: PutSummary }>;
  readonly restic: Outcome<{ readonly repo: string; readonly backup: ProcessRun }>;
}

/** Where the file lives in the Strata repo: both puts write this path, as two commits. */
export const BIG_FILE_PATH = 'bench@master:/big.bin';

export function bigFile(ctx: BenchContext): Promise<BigFile> {
  return ctx.fixture('big-file', async () => {
    const path = join(ctx.dataDir, 'v1', 'big.bin');
    const size = ctx.sizes.bigFileBytes;
    ctx.log(`writing ${size / 2 ** 20} MiB of pseudo-random data to ${path}`);
    await writeRandomFile(path, size, 'strata-bench/big-file');
    return { path, size };
  });
}

export function bigFileStores(ctx: BenchContext): Promise<BigFileStores> {
  return ctx.fixture('big-file-stores', async () => {
    const file = await bigFile(ctx);
    const strataOutcome = await attempt(async () => {
      const home = await ctx.freshDir('strata-big');
      await strata(ctx, home, ['create', 'repo', 'bench']);
      ctx.log('strata: put file (big)');
      const { run, result } = await strataPut(ctx, home, [BIG_FILE_PATH, '-f', file.path]);
      return { home, put: run, result };
    });
    const peer = ctx.peers.restic;
    const resticOutcome: BigFileStores['restic'] = peer.installed
      ? await attempt(async () => {
          const repo = await ctx.freshDir('restic-big');
          await restic(ctx, peer, repo, ['init']);
          ctx.log('restic: backup (big)');
          return { repo, backup: await restic(ctx, peer, repo, ['backup', file.path]) };
        })
      : { status: 'absent' };
    return { file, strata: strataOutcome, restic: resticOutcome };
  });
}
