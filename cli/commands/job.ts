/** `list / inspect / wait / stop job`. */
import type { Command } from 'commander';
import type { JobRecord } from '../../pipelines/jobs/records.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { positiveInteger } from '../args.ts';
import { withEngine } from '../backend.ts';
import { relativeTime, timeField, writeFields, writeJson, writeJsonArray, writeTable } from '../format.ts';
import { parseJobRef } from '../job-ref.ts';
import { nounCommand, withExample } from '../program.ts';

/** 'success: 12 datums (2 processed, 10 skipped) in 1.3 s'. */
export function describeJob(job: JobRecord): string {
  const { total, processed, skipped, failed, recovered } = job.counts;
  const parts = [`${processed} processed`, `${skipped} skipped`];
  if (failed > 0) parts.push(`${failed} failed`);
  if (recovered > 0) parts.push(`${recovered} recovered`);
  const took =
    job.started && job.finished
      ? ` in ${((Date.parse(job.finished) - Date.parse(job.started)) / 1000).toFixed(1)} s`
      : '';
  const reason = job.reason ? ` — ${job.reason}` : '';
  return `${job.state}: ${total} datum${total === 1 ? '' : 's'} (${parts.join(', ')})${took}${reason}`;
}

function printJob(job: JobRecord): void {
  writeFields([
    ['Pipeline', job.pipeline],
    ['Job (global ID)', job.commitSet],
    ['State', job.state],
    ['Reason', job.reason ?? '-'],
    ['Spec version', String(job.specVersion)],
    ['Inputs', job.inputs.map((input) => `${input.name}=${input.repo}@${input.commit}`).join(', ')],
    ['Output commit', job.outputCommit ? `${job.pipeline}@${job.outputCommit}` : '-'],
    ['Datums', describeJob(job)],
    ['Created', timeField(job.created)],
    ['Started', timeField(job.started)],
    ['Finished', timeField(job.finished)],
  ]);
}

export function registerJobCommands(program: Command): void {
  withExample(
    nounCommand(program, 'list', 'job')
      .description('List jobs, newest first')
      .option('-p, --pipeline <name>', 'only the jobs of this pipeline')
      .option('-n, --limit <count>', 'at most this many jobs', positiveInteger, 50)
      .option('--json', 'print job records as a JSON array')
      .action(async (options: { pipeline?: string; limit: number; json?: boolean }) => {
        const jobs = await withEngine((engine) =>
          engine.pipelines.listJobs({
            ...(options.pipeline ? { pipeline: parseRepoName(options.pipeline) } : {}),
            limit: options.limit,
          }),
        );
        if (options.json) return void (await writeJsonArray(jobs));
        await writeTable(
          [
            { header: 'JOB', value: (job: JobRecord) => `${job.pipeline}@${job.commitSet}` },
            { header: 'STATE', value: (job) => job.state },
            {
              header: 'DATUMS',
              value: (job) => `${job.counts.processed + job.counts.skipped}/${job.counts.total}`,
            },
            { header: 'PROCESSED', value: (job) => String(job.counts.processed), align: 'right' },
            { header: 'SKIPPED', value: (job) => String(job.counts.skipped), align: 'right' },
            { header: 'FAILED', value: (job) => String(job.counts.failed), align: 'right' },
            { header: 'CREATED', value: (job) => relativeTime(job.created) },
          ],
          jobs,
        );
      }),
    'strata list job -p edges',
  );

  withExample(
    nounCommand(program, 'inspect', 'job')
      .description("Show a job's state, inputs, output commit and datum counts")
      .argument('<job>', 'PIPELINE@JOB_ID')
      .option('--json', 'print the job record as JSON')
      .action(async (text: string, options: { json?: boolean }) => {
        const { pipeline, job } = parseJobRef(text);
        const record = await withEngine((engine) => engine.pipelines.inspectJob(pipeline, job));
        if (options.json) return writeJson(record);
        printJob(record);
      }),
    'strata inspect job edges@5f3c0e1e4b6a4d1c9c7a2b3d4e5f6a7b',
  );

  withExample(
    nounCommand(program, 'wait', 'job')
      .description('Wait until a job ends; exit 1 unless it succeeded')
      .argument('<job>', 'PIPELINE@JOB_ID')
      .option('--json', 'print the job record as JSON')
      .action(async (text: string, options: { json?: boolean }) => {
        const { pipeline, job } = parseJobRef(text);
        const record = await withEngine(async (engine) => {
          await engine.idle();
          return engine.pipelines.waitJob(pipeline, job);
        });
        if (options.json) writeJson(record);
        else printJob(record);
        if (record.state !== 'success') process.exitCode = 1;
      }),
    'strata wait job edges@5f3c0e1e4b6a4d1c9c7a2b3d4e5f6a7b',
  );

  withExample(
    nounCommand(program, 'stop', 'job')
      .description('Stop a running job: its datums are killed and its output commit fails')
      .argument('<job>', 'PIPELINE@JOB_ID')
      .action(async (text: string) => {
        const { pipeline, job } = parseJobRef(text);
        const record = await withEngine((engine) => engine.pipelines.stopJob(pipeline, job));
        process.stdout.write(`job ${pipeline}@${job}: ${describeJob(record)}\n`);
      }),
    'strata stop job edges@5f3c0e1e4b6a4d1c9c7a2b3d4e5f6a7b',
  );
}
