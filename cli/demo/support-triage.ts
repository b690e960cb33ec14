/**
 * The support-triage demo (`npm start`): two pipelines on the embedded backend, narrated with the
 * `strata` command for each step so that a user can repeat it by hand.
 *
 *   messages (40 e-mails) ──score: one datum per message──▶ score ──report: one datum──▶ report
 *
 * Then one message is edited, and the demo shows, and checks, what incremental processing
 * promises: the next `score` job runs exactly one datum and reuses the other outputs, `report`
 * runs again on the new scores, and the lineage of /report.json leads back to the edit's commit.
 * It throws when any of that does not hold, so `npm start` fails loudly rather than narrating
 * something untrue.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLocalEngine } from '../../adapters/local/engine.ts';
import { formatLineage, type LineageNode } from '../../lineage/index.ts';
import { editedMessage, supportMessages } from '../../pipelines/examples/support-triage/messages.ts';
import { type Report, reportSchema } from '../../pipelines/examples/support-triage/report-schema.ts';
import type { JobRecord } from '../../pipelines/jobs/records.ts';
import type { CommitInfo, FileSource, VersioningApi } from '../../versioning/api.ts';
import { parseFilePath, parseRepoName, type RepoName } from '../../versioning/ids.ts';
import { parseCommitRef, parseFileRef } from '../../versioning/refs.ts';
import {
  jobLine,
  type RawInput,
  ranDatumLines,
  rawInputLines,
  rawInputsOf,
  reportChangeLines,
} from './support-triage-narration.ts';

export interface SupportTriageDemoOptions {
  /** The Strata home to run in (the `.strata` folder); it must hold no repos yet. */
  readonly home: string;
  /** Receives the narration, one line at a time. */
  readonly log: (line: string) => void;
  /**
   * Where the messages and the pipeline specs (with absolute script paths) are written, so the
   * printed commands can be run again by hand.
   * @default - `support-triage-files` inside `home`
   */
  readonly workDir?: string;
}

export interface SupportTriageDemoResult {
  readonly workDir: string;
  readonly firstCommit: CommitInfo;
  readonly editCommit: CommitInfo;
  /** The message the demo rewrote, e.g. `/msg-001.txt`. */
  readonly editedPath: string;
  readonly jobs: {
    readonly score: readonly [first: JobRecord, afterEdit: JobRecord];
    readonly report: readonly [first: JobRecord, afterEdit: JobRecord];
  };
  readonly reports: { readonly before: Report; readonly after: Report };
  /** The lineage of /report.json after the edit, as `strata lineage` traces it. */
  readonly lineage: LineageNode;
  /** The raw input files that lineage reaches, grouped by commit. */
  readonly rawInputs: readonly RawInput[];
}

const MESSAGES = parseRepoName('messages');
const SCORE = parseRepoName('score');
const REPORT = parseRepoName('report');
const here = (file: string) =>
  fileURLToPath(new URL(`../../pipelines/examples/support-triage/${file}`, import.meta.url));
/** How much of the lineage tree to print: enough to show one re-run and one reused score. */
const LINEAGE_LINES = 6;

export async function runSupportTriageDemo(
  options: SupportTriageDemoOptions,
): Promise<SupportTriageDemoResult> {
  const { home, log } = options;
  const workDir = options.workDir ?? join(home, 'support-triage-files');
  const started = performance.now();
  const step = (title: string, ...commands: string[]) => {
    log('');
    log(`# ${title}`);
    for (const command of commands) log(`$ ${command}`);
  };

  await mkdir(home, { recursive: true });
  const engine = openLocalEngine(home);
  try {
    const { versioning, pipelines } = engine;
    const existing = await versioning.listRepos();
    if (existing.length > 0) {
      throw new Error(
        `the demo needs an empty Strata home, but ${home} already holds ${existing.map((r) => r.name).join(', ')}: ` +
          'run it on a fresh folder (node cli/demo/run-support-triage.ts makes one)',
      );
    }
    const messages = supportMessages();
    const edit = editedMessage(messages);
    const messagesDir = join(workDir, 'messages');
    await mkdir(messagesDir, { recursive: true });
    for (const message of messages) await writeFile(join(messagesDir, message.name), message.text);
    const specs = { score: await writeSpec(workDir, 'score'), report: await writeSpec(workDir, 'report') };

    log(`Support triage: scoring ${messages.length} support messages, then a report over them.`);
    log(`Strata home: ${home}  (export STRATA_HOME=${home} to run the commands below yourself)`);

    step(
      `1. A repo of raw support messages, one file per message, added in one commit`,
      `strata create repo ${MESSAGES}`,
      `strata put file ${MESSAGES}@master:/ -f ${messagesDir} -r`,
    );
    await versioning.createRepo(MESSAGES, { description: 'customer support e-mails, one file each' });
    const put = await versioning.putFiles(
      parseCommitRef(`${MESSAGES}@master`),
      messages.map((m) => textSource(`/${m.name}`, m.text)),
    );
    const firstCommit = put.commit;
    log(`put ${put.files} files into ${MESSAGES}@master: commit ${firstCommit.id}`);

    step(
      '2. Pipeline "score": one datum per message (glob /*), scored by score.mjs with node',
      `strata create pipeline -f ${specs.score.path}`,
      `strata list job -p ${SCORE}`,
    );
    const scoreFirst = await createAndRun(engine, specs.score, log);

    step(
      '3. Pipeline "report": one datum over all the scores (glob /), aggregated by report.mjs',
      `strata create pipeline -f ${specs.report.path}`,
    );
    const reportFirst = await createAndRun(engine, specs.report, log);
    log(`$ strata get file ${REPORT}@master:/report.md`);
    for (const line of (await readText(versioning, '/report.md')).trimEnd().split('\n')) log(`  ${line}`);
    const before = reportSchema.parse(JSON.parse(await readText(versioning, '/report.json')));

    const editedPath = `/${edit.name}`;
    await writeFile(join(messagesDir, edit.name), edit.text);
    step(
      `4. Edit one message: ${edit.name} turns from praise into an angry outage complaint`,
      `strata put file ${MESSAGES}@master:${editedPath} -f ${join(messagesDir, edit.name)}`,
    );
    const editCommit = (
      await versioning.putFiles(parseCommitRef(`${MESSAGES}@master`), [textSource(editedPath, edit.text)])
    ).commit;
    log(`commit ${editCommit.id}, global ID ${editCommit.globalId}: both pipelines run under that ID`);
    log(`$ strata wait commitset ${editCommit.globalId}`);
    await engine.idle();
    const scoreEdit = await pipelines.inspectJob(SCORE, editCommit.globalId);
    const reportEdit = await pipelines.inspectJob(REPORT, editCommit.globalId);

    log(`$ strata inspect job ${SCORE}@${scoreEdit.commitSet}`);
    log(jobLine(scoreEdit));
    await checkJob(pipelines, scoreEdit);
    const { total, processed, skipped } = scoreEdit.counts;
    if (processed !== 1 || skipped !== total - 1) {
      throw new Error(
        `after editing one message the score job should process 1 datum and skip ${total - 1}, ` +
          `but it processed ${processed} and skipped ${skipped}: incremental processing is broken`,
      );
    }
    log(`$ strata list datum ${SCORE}@${scoreEdit.commitSet}`);
    for (const line of await ranDatumLines(pipelines, scoreEdit)) log(line);
    log(`$ strata inspect job ${REPORT}@${reportEdit.commitSet}`);
    log(jobLine(reportEdit));
    await checkJob(pipelines, reportEdit);
    const after = reportSchema.parse(JSON.parse(await readText(versioning, '/report.json')));
    for (const line of reportChangeLines(before, after)) log(line);

    step(
      '5. Lineage: where /report.json came from, back to the raw input commits',
      `strata lineage ${REPORT}@master:/report.json`,
    );
    const lineage = await pipelines.lineage(parseFileRef(`${REPORT}@master:/report.json`));
    const lines = formatLineage(lineage);
    for (const line of lines.slice(0, LINEAGE_LINES)) log(line);
    if (lines.length > LINEAGE_LINES) {
      log(
        `    … ${lines.length - LINEAGE_LINES} more lines, one pair per score file: the command prints them all`,
      );
    }
    const rawInputs = rawInputsOf(lineage);
    const labels = new Map([
      [editCommit.id, 'the edit'],
      [firstCommit.id, 'the first commit'],
    ]);
    for (const line of rawInputLines(rawInputs, labels)) log(line);
    if (!rawInputs.some((input) => input.commit === editCommit.id && input.paths.includes(editedPath))) {
      throw new Error(
        `the lineage of /report.json does not reach ${MESSAGES}@${editCommit.id}:${editedPath}`,
      );
    }

    log('');
    log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Inputs and specs: ${workDir}`);
    return {
      workDir,
      firstCommit,
      editCommit,
      editedPath,
      jobs: { score: [scoreFirst, scoreEdit], report: [reportFirst, reportEdit] },
      reports: { before, after },
      lineage,
      rawInputs,
    };
  } finally {
    await engine.close();
  }
}

interface WrittenSpec {
  readonly name: RepoName;
  readonly path: string;
  readonly text: string;
}

/**
 * The spec in this folder, with its `./<name>.mjs` script made absolute: a datum's command starts
 * in / (bubblewrap) or a scratch directory, and the host's files are visible at the same paths.
 */
async function writeSpec(workDir: string, name: 'score' | 'report'): Promise<WrittenSpec> {
  const template = await readFile(here(`./${name}.yaml`), 'utf8');
  const relative = `"./${name}.mjs"`;
  const parts = template.split(relative);
  if (parts.length !== 2) throw new Error(`${name}.yaml should name its script as ${relative} exactly once`);
  // A JSON string is a valid YAML double-quoted scalar, whatever the path holds.
  const text = parts.join(JSON.stringify(here(`./${name}.mjs`)));
  const path = join(workDir, `${name}.yaml`);
  await writeFile(path, text);
  return { name: parseRepoName(name), path, text };
}

type Engine = ReturnType<typeof openLocalEngine>;

async function createAndRun(
  engine: Engine,
  spec: WrittenSpec,
  log: (line: string) => void,
): Promise<JobRecord> {
  const { warnings } = await engine.pipelines.createPipeline(spec.text, spec.path);
  for (const warning of warnings) log(`warning: ${warning}`);
  await engine.idle();
  const job = (await engine.pipelines.inspectPipeline(spec.name)).lastJob;
  if (!job) throw new Error(`creating pipeline ${spec.name} ran no job`);
  log(jobLine(job));
  await checkJob(engine.pipelines, job);
  return job;
}

/** Throws unless the job succeeded, with its reason and the first failed datum's error. */
async function checkJob(pipelines: Engine['pipelines'], job: JobRecord): Promise<void> {
  if (job.state === 'success') return;
  let detail = '';
  const failed = (await pipelines.listDatums(job.pipeline, job.commitSet)).find(
    (row) => row.state === 'failed',
  );
  if (failed) {
    const datum = await pipelines.inspectDatum(job.pipeline, job.commitSet, failed.id);
    const stderr = datum.stderr.trim().split('\n').slice(-3).join('\n    ');
    detail = `\n  first failed datum ${failed.id.slice(0, 12)}: ${datum.error ?? 'no error recorded'}`;
    if (stderr) detail += `\n    ${stderr}`;
  }
  throw new Error(
    `job ${job.pipeline}@${job.commitSet} ended in state ${job.state}: ${job.reason ?? 'no reason recorded'}${detail}`,
  );
}

async function readText(versioning: VersioningApi, path: string): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const part of versioning.readFile(parseFileRef(`${REPORT}@master:${path}`))) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

function textSource(path: string, text: string): FileSource {
  const bytes = new TextEncoder().encode(text);
  return {
    path: parseFilePath(path),
    size: bytes.length,
    async *open() {
      yield bytes;
    },
  };
}
