/** `inspect / wait commitset` and `lineage`. */
import type { Command } from 'commander';
import { formatDownstream, formatLineage } from '../../lineage/index.ts';
import type { CommitSetInfo } from '../../pipelines/commit-sets.ts';
import { parseCommitSetId } from '../../versioning/ids.ts';
import { parseFileRef } from '../../versioning/refs.ts';
import { withEngine } from '../backend.ts';
import { writeJson, writeLine, writeTable } from '../format.ts';
import { nounCommand, withExample } from '../program.ts';
import { describeJob } from './job.ts';

async function printCommitSet(set: CommitSetInfo): Promise<void> {
  writeLine(`commit set ${set.id}: ${set.complete ? 'complete' : `waiting for ${set.pending.join('; ')}`}`);
  writeLine();
  await writeTable(
    [
      { header: 'COMMIT', value: (c: CommitSetInfo['commits'][number]) => `${c.repo}@${c.id}` },
      { header: 'BRANCH', value: (c) => c.branch ?? '-' },
      { header: 'ORIGIN', value: (c) => c.origin },
      { header: 'STATE', value: (c) => c.state },
    ],
    set.commits,
  );
  if (set.jobs.length > 0) {
    writeLine();
    for (const job of set.jobs) writeLine(`job ${job.pipeline}@${job.commitSet}: ${describeJob(job)}`);
  }
}

export function registerCommitSetCommands(program: Command): void {
  withExample(
    nounCommand(program, 'inspect', 'commitset')
      .description('Show every commit and job of a global ID: one change and everything it caused')
      .argument('<id>', 'the global ID (a commit ID of the change that started it)')
      .option('--json', 'print the commit set as JSON')
      .action(async (id: string, options: { json?: boolean }) => {
        const set = await withEngine((engine) => engine.pipelines.inspectCommitSet(parseCommitSetId(id)));
        if (options.json) return writeJson(set);
        await printCommitSet(set);
      }),
    'strata inspect commitset 1d082e43d3e75351616486b963d66497',
  );

  withExample(
    nounCommand(program, 'wait', 'commitset')
      .description(
        'Wait until every commit of a global ID is finished and every job ended; exit 1 if any failed',
      )
      .argument('<id>', 'the global ID')
      .option('--json', 'print the commit set as JSON')
      .action(async (id: string, options: { json?: boolean }) => {
        const set = await withEngine(async (engine) => {
          await engine.idle();
          return engine.pipelines.waitCommitSet(parseCommitSetId(id));
        });
        if (options.json) writeJson(set);
        else await printCommitSet(set);
        const failed =
          set.commits.some((c) => c.state === 'failed') || set.jobs.some((j) => j.state !== 'success');
        if (failed) process.exitCode = 1;
      }),
    'strata wait commitset 1d082e43d3e75351616486b963d66497',
  );

  withExample(
    program
      .command('lineage')
      .description(
        'Trace a commit, or a file in it, back to the raw inputs: the pipelines, spec versions, jobs and datums that made it, down to the input files and commits',
      )
      .argument('<ref>', 'REPO@REF[:/PATH]')
      .option('--downstream', 'list what was computed from the commit instead (in its commit set)', false)
      .option('--full-ids', 'print whole IDs, not their first 8 characters', false)
      .option('--json', 'print the lineage tree as JSON')
      .action(async (text: string, options: { downstream: boolean; fullIds: boolean; json?: boolean }) => {
        const ref = parseFileRef(text, { defaultPath: '/', allowRoot: true });
        const { path, ...commitRef } = ref;
        const lines = await withEngine(async (engine) => {
          if (options.downstream) {
            const steps = await engine.pipelines.downstream(commitRef);
            return options.json ? steps : formatDownstream(steps, { fullIds: options.fullIds });
          }
          const tree = await engine.pipelines.lineage(path === '/' ? commitRef : ref);
          return options.json ? tree : formatLineage(tree, { fullIds: options.fullIds });
        });
        if (options.json || !Array.isArray(lines)) return writeJson(lines);
        for (const line of lines) writeLine(String(line));
      }),
    'strata lineage report@master:/report.json',
    'strata lineage messages@master --downstream',
  );
}
