/**
 * Lets a scenario file run by itself: `node bench/scenarios/<name>.ts [--quick] [--keep]` is
 * `npm run bench -- --only <name> [--quick] [--keep]`, so the table, the results file and the
 * checks are the same as in a full run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './strata.ts';

/** Runs the bench on this one scenario when its file is the program Node was started with. */
export function runAloneWhenMain(meta: ImportMeta, scenario: string): void {
  if (!meta.main) return;
  const run = spawnSync(
    process.execPath,
    [join(PROJECT_ROOT, 'bench', 'run.ts'), '--only', scenario, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exitCode = run.status ?? 1;
}
