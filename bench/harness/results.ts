/** The JSON record of a run, saved under bench/results/ (git-ignored) for later comparison. */

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Peers, ResultRow } from './context.ts';
import type { BenchOptions, Sizes } from './options.ts';
import { PROJECT_ROOT } from './strata.ts';

export interface RunRecord {
  readonly started: Date;
  readonly finished: Date;
  readonly options: BenchOptions;
  readonly sizes: Sizes;
  readonly peers: Peers;
  readonly rows: readonly ResultRow[];
  readonly details: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** One-minute load average when the run started; another busy process skews every figure. */
  readonly loadAtStart: number;
}

/** ISO 8601 in its basic form (20250102T030405Z): sortable, and no ':' in a file name. */
function basicIso(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export async function saveResults(record: RunRecord): Promise<string> {
  const dir = join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${basicIso(record.started)}${record.options.quick ? '-quick' : ''}.json`);
  const json = {
    started: record.started.toISOString(),
    finished: record.finished.toISOString(),
    seconds: (record.finished.getTime() - record.started.getTime()) / 1000,
    options: record.options,
    sizes: record.sizes,
    machine: {
      node: process.version,
      platform: `${platform()} ${release()}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryBytes: totalmem(),
      loadAverage: { atStart: record.loadAtStart, atEnd: loadavg()[0] ?? 0 },
    },
    peers: record.peers,
    results: record.rows,
    details: record.details,
  };
  await writeFile(path, `${JSON.stringify(json, null, 2)}\n`);
  return path;
}
