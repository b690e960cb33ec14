/** `create / update / list / inspect / delete / stop / start / rerun pipeline`. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { JobRecord } from '../../pipelines/jobs/records.ts';
import type { PipelineInfo } from '../../pipelines/service.ts';
import { InvalidArgumentError, NotFoundError } from '../../versioning/errors.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { withEngine } from '../backend.ts';
import {
  relativeTime,
  timeField,
  writeFields,
  writeJson,
  writeJsonArray,
  writeLine,
  writeTable,
} from '../format.ts';
import { nounCommand, withExample } from '../program.ts';
import { describeJob } from './job.ts';

async function readSpec(file: string | undefined): Promise<{ text: string; source: string }> {
  if (!file)
    throw new InvalidArgumentError(
      'a pipeline spec is required: pass -f FILE (JSON or YAML), or -f - for stdin',
    );
  if (file === '-') {
    const parts: Buffer[] = [];
    for await (const part of process.stdin) parts.push(Buffer.from(part));
    return { text: Buffer.concat(parts).toString('utf8'), source: 'stdin' };
  }
  try {
    return { text: await readFile(file, 'utf8'), source: file };
  } catch (error) {
    throw new NotFoundError(
      `cannot read pipeline spec ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

function printPipeline(pipeline: PipelineInfo): void {
  writeFields([
    ['Name', pipeline.name],
    ['Description', pipeline.description || '-'],
    ['State', pipeline.state],
    ['Version', String(pipeline.version)],
    ['Inputs', pipeline.inputRepos.join(', ')],
    ['Output', `${pipeline.name}@${pipeline.outputBranch}`],
    ['Created', timeField(pipeline.created)],
    ['Updated', timeField(pipeline.updated)],
    ['Last job', pipeline.lastJob ? describeJob(pipeline.lastJob) : '-'],
  ]);
}

function reportJobs(jobs: readonly JobRecord[]): void {
  for (const job of jobs) writeLine(`job ${job.pipeline}@${job.commitSet}: ${describeJob(job)}`);
}

export function registerPipelineCommands(program: Command): void {
  for (const verb of ['create', 'update'] as const) {
    withExample(
      nounCommand(program, verb, 'pipeline')
        .description(
          verb === 'create'
            ? 'Create a pipeline from a spec (Pachyderm pipeline JSON or YAML) and run its first job'
            : "Update a pipeline's spec; the next job uses the new version",
        )
        .requiredOption('-f, --file <spec>', 'the spec file (JSON or YAML), or - for stdin')
        .option('--reprocess', 'run every datum again, not only the changed ones', false)
        .option('--json', 'print the PipelineInfo as JSON')
        .action(async (options: { file?: string; reprocess: boolean; json?: boolean }) => {
          const { text, source } = await readSpec(options.file);
          const result = await withEngine(async (engine) => {
            const saved =
              verb === 'create'
                ? await engine.pipelines.createPipeline(text, source)
                : await engine.pipelines.updatePipeline(text, source, { reprocess: options.reprocess });
            await engine.idle();
            return {
              ...saved,
              jobs: await engine.pipelines.listJobs({ pipeline: saved.pipeline.name, limit: 1 }),
            };
          });
          for (const warning of result.warnings) process.stderr.write(`strata: warning: ${warning}\n`);
          if (options.json) return writeJson(result.pipeline);
          writeLine(
            `${verb === 'create' ? 'created' : 'updated'} pipeline ${result.pipeline.name} (version ${result.pipeline.version})`,
          );
          reportJobs(result.jobs);
        }),
      `strata ${verb} pipeline -f edges.json`,
    );
  }

  withExample(
    nounCommand(program, 'list', 'pipeline')
      .description('List pipelines with their state and last job')
      .option('--json', 'print PipelineInfo objects as a JSON array')
      .action(async (options: { json?: boolean }) => {
        const pipelines = await withEngine((engine) => engine.pipelines.listPipelines());
        if (options.json) return void (await writeJsonArray(pipelines));
        await writeTable(
          [
            { header: 'NAME', value: (p: PipelineInfo) => p.name },
            { header: 'VERSION', value: (p) => String(p.version), align: 'right' },
            { header: 'INPUT', value: (p) => p.inputRepos.join(', ') },
            { header: 'STATE', value: (p) => p.state },
            {
              header: 'LAST JOB',
              value: (p) => (p.lastJob ? `${p.lastJob.state} ${relativeTime(p.lastJob.created)}` : '-'),
            },
          ],
          pipelines,
        );
      }),
    'strata list pipeline',
  );

  withExample(
    nounCommand(program, 'inspect', 'pipeline')
      .description("Show a pipeline's details")
      .argument('<name>', 'the pipeline')
      .option('--json', 'print the PipelineInfo as JSON')
      .action(async (name: string, options: { json?: boolean }) => {
        const pipeline = await withEngine((engine) => engine.pipelines.inspectPipeline(parseRepoName(name)));
        if (options.json) return writeJson(pipeline);
        printPipeline(pipeline);
      }),
    'strata inspect pipeline edges',
  );

  withExample(
    nounCommand(program, 'delete', 'pipeline')
      .description('Delete a pipeline and (unless --keep-repo) its output repo')
      .argument('<name>', 'the pipeline')
      .option('--keep-repo', 'keep the output repo and its commits', false)
      .action(async (name: string, options: { keepRepo: boolean }) => {
        await withEngine((engine) => engine.pipelines.deletePipeline(parseRepoName(name), options));
        writeLine(`deleted pipeline ${name}`);
      }),
    'strata delete pipeline edges',
  );

  for (const verb of ['stop', 'start'] as const) {
    withExample(
      nounCommand(program, verb, 'pipeline')
        .description(
          verb === 'stop'
            ? 'Pause a pipeline: new input commits start no jobs'
            : 'Resume a paused pipeline and catch up',
        )
        .argument('<name>', 'the pipeline')
        .action(async (name: string) => {
          const pipeline = await withEngine(async (engine) => {
            const info =
              verb === 'stop'
                ? await engine.pipelines.stopPipeline(parseRepoName(name))
                : await engine.pipelines.startPipeline(parseRepoName(name));
            await engine.idle();
            return info;
          });
          writeLine(`pipeline ${pipeline.name} is ${pipeline.state}`);
        }),
      `strata ${verb} pipeline edges`,
    );
  }

  withExample(
    nounCommand(program, 'rerun', 'pipeline')
      .description('Run a new job on the inputs as they are now')
      .argument('<name>', 'the pipeline')
      .option('--reprocess', 'run every datum again, not only the changed ones', false)
      .action(async (name: string, options: { reprocess: boolean }) => {
        const jobs = await withEngine(async (engine) => {
          const job = await engine.pipelines.rerunPipeline(parseRepoName(name), options);
          await engine.idle();
          return job ? [await engine.pipelines.inspectJob(parseRepoName(name), job)] : [];
        });
        if (jobs.length === 0) writeLine(`pipeline ${name} has no input commits to run on yet`);
        reportJobs(jobs);
      }),
    'strata rerun pipeline edges --reprocess',
  );
}
