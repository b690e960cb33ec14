/** `list / inspect datum` and `logs`. */
import type { Command } from 'commander';
import { parseDatumId } from '../../pipelines/datums/index.ts';
import type { DatumInfo } from '../../pipelines/service.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { parseCommitSetId, parseRepoName } from '../../versioning/ids.ts';
import { withEngine } from '../backend.ts';
import { writeFields, writeJson, writeJsonArray, writeLine, writeTable } from '../format.ts';
import { parseJobRef } from '../job-ref.ts';
import { nounCommand, withExample } from '../program.ts';

export function registerDatumCommands(program: Command): void {
  withExample(
    nounCommand(program, 'list', 'datum')
      .description("List a job's datums: processed, skipped (output reused), failed or recovered")
      .argument('<job>', 'PIPELINE@JOB_ID')
      .option('--json', 'print datum rows as a JSON array')
      .action(async (text: string, options: { json?: boolean }) => {
        const { pipeline, job } = parseJobRef(text);
        const datums = await withEngine((engine) => engine.pipelines.listDatums(pipeline, job));
        if (options.json) return void (await writeJsonArray(datums));
        await writeTable(
          [
            { header: 'DATUM', value: (d: DatumInfo) => d.id },
            { header: 'STATE', value: (d) => (d.state === 'success' ? 'processed' : d.state) },
            { header: 'FROM JOB', value: (d) => d.source },
          ],
          datums,
        );
      }),
    'strata list datum edges@5f3c0e1e4b6a4d1c9c7a2b3d4e5f6a7b',
  );

  withExample(
    nounCommand(program, 'inspect', 'datum')
      .description("Show a datum's input files, output files, attempts and error")
      .argument('<job>', 'PIPELINE@JOB_ID')
      .argument('<datum>', 'the datum ID (see list datum)')
      .option('--json', 'print the datum result as JSON')
      .action(async (text: string, datumText: string, options: { json?: boolean }) => {
        const { pipeline, job } = parseJobRef(text);
        const datum = await withEngine((engine) =>
          engine.pipelines.inspectDatum(pipeline, job, parseDatumId(datumText)),
        );
        if (options.json) return writeJson(datum);
        writeFields([
          ['Datum', datum.id],
          ['State', datum.skipped ? `skipped (output of job ${datum.job})` : datum.state],
          ['Attempts', String(datum.attempts)],
          ['Duration', `${(datum.durationMs / 1000).toFixed(2)} s`],
          ['Ran as', datum.mode],
          ['Error', datum.error ?? '-'],
          [
            'Inputs',
            datum.inputs
              .map((input) => `${input.name}: ${input.repo}@${input.commit}:${input.path}`)
              .join('\n  '),
          ],
          ['Outputs', datum.outputs.map((output) => output.path).join('\n  ') || '-'],
        ]);
      }),
    'strata inspect datum edges@5f3c0e1e4b6a4d1c9c7a2b3d4e5f6a7b 9d2e…',
  );

  withExample(
    program
      .command('logs')
      .description("Print datums' logs (stdout and stderr, the last 32 KiB of each)")
      .requiredOption('-p, --pipeline <name>', 'the pipeline')
      .option('--job <id>', 'the job (global ID); default: the newest job')
      .option('--datum <id>', 'only this datum')
      .option('--json', 'print datum logs as a JSON array')
      .action(async (options: { pipeline: string; job?: string; datum?: string; json?: boolean }) => {
        const pipeline = parseRepoName(options.pipeline);
        const logs = await withEngine(async (engine) => {
          const job = options.job
            ? parseCommitSetId(options.job)
            : (await engine.pipelines.listJobs({ pipeline, limit: 1 }))[0]?.commitSet;
          if (!job) throw new InvalidArgumentError(`pipeline ${pipeline} has no jobs yet`);
          const rows = await engine.pipelines.listDatums(pipeline, job);
          const wanted = options.datum ? rows.filter((row) => row.id === options.datum) : rows;
          if (options.datum && wanted.length === 0) {
            throw new InvalidArgumentError(`datum ${options.datum} is not in job ${pipeline}@${job}`);
          }
          const found = [];
          for (const row of wanted) {
            const result = await engine.pipelines.inspectDatum(pipeline, job, row.id);
            found.push({
              datum: row.id,
              state: row.state,
              job: result.job,
              stdout: result.stdout,
              stderr: result.stderr,
            });
          }
          return found;
        });
        if (options.json) return void (await writeJsonArray(logs));
        for (const log of logs) {
          writeLine(
            `== datum ${log.datum} (${log.state === 'success' ? 'processed' : log.state}, job ${log.job})`,
          );
          if (log.stdout) process.stdout.write(log.stdout.endsWith('\n') ? log.stdout : `${log.stdout}\n`);
          if (log.stderr) process.stdout.write(log.stderr.endsWith('\n') ? log.stderr : `${log.stderr}\n`);
        }
      }),
    'strata logs -p edges',
    'strata logs -p edges --job 5f3c0e1e4b6a4d1c9c7a2b3d4e5f6a7b --datum 9d2e…',
  );
}
