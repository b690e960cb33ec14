/**
 * Runs the support-triage demo in a fresh temporary Strata home and says where it is:
 *
 *   node cli/demo/run-support-triage.ts
 *
 * Exits 1 (with the reason on stderr) when any step fails or a promise of the demo does not hold.
 * The home is kept afterwards, so the printed `strata` commands can be tried on it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSupportTriageDemo } from './support-triage.ts';

const root = await mkdtemp(join(tmpdir(), 'strata-demo-'));
const home = join(root, '.strata');
try {
  await runSupportTriageDemo({
    home,
    workDir: join(root, 'files'),
    log: (line) => process.stdout.write(`${line}\n`),
  });
} catch (error) {
  process.stderr.write(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.stderr.write(`Its Strata home is kept at ${home} for a look.\n`);
  process.exitCode = 1;
}
