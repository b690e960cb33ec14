/** Command-line options of `npm run bench` and the data sizes they select. */
import { parseArgs } from 'node:util';

export interface Sizes {
  /** The large file of ingest-1gib and rewrite-10x1mib. */
  readonly bigFileBytes: number;
  readonly rewriteRegions: number;
  readonly rewriteRegionBytes: number;
  /** small-files-20k: files of 1–4 KiB spread evenly over the folders. */
  readonly smallFiles: number;
  readonly smallFolders: number;
  /** diff-1m and commit-1m: files generated in memory, and how many the second commit changes. */
  readonly manyFiles: number;
  readonly manyChanged: number;
}

const MiB = 1024 * 1024;

export const FULL_SIZES: Sizes = {
  bigFileBytes: 1024 * MiB,
  rewriteRegions: 10,
  rewriteRegionBytes: MiB,
  smallFiles: 20_000,
  smallFolders: 200,
  manyFiles: 1_000_000,
  manyChanged: 100,
};

export const QUICK_SIZES: Sizes = {
  bigFileBytes: 64 * MiB,
  rewriteRegions: 10,
  rewriteRegionBytes: MiB,
  smallFiles: 2_000,
  smallFolders: 20,
  manyFiles: 50_000,
  manyChanged: 100,
};

export interface BenchOptions {
  readonly only: readonly string[];
  readonly quick: boolean;
  /** Keep the temporary folder (data, stores) for inspection instead of deleting it. */
  readonly keep: boolean;
  readonly help: boolean;
}

export function usage(scenarios: readonly string[]): string {
  return `Usage: npm run bench -- [--only NAME]... [--quick] [--keep]

  --only NAME   run only this scenario (repeatable, or comma-separated):
                ${scenarios.join(', ')}
  --quick       smaller sizes for a smoke run (64 MiB, 2,000 files, 50,000 files)
  --keep        keep the temporary folder with the generated data and stores
`;
}

export function parseOptions(argv: readonly string[], known: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const only = (values.only ?? []).flatMap((name) => name.split(',')).filter((name) => name !== '');
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario ${unknown.map((name) => `'${name}'`).join(', ')}: choose from ${known.join(', ')}`,
    );
  }
  return { only, quick: values.quick ?? false, keep: values.keep ?? false, help: values.help ?? false };
}
