/**
 * How the demo describes what happened, one line at a time: a job, the datums a job ran, what an
 * edit changed in the report, and the raw input files a lineage tree reaches.
 */
import type { LineageNode } from '../../lineage/index.ts';
import type { Report } from '../../pipelines/examples/support-triage/report-schema.ts';
import type { JobRecord } from '../../pipelines/jobs/records.ts';
import type { PipelineService } from '../../pipelines/service.ts';

export interface RawInput {
  readonly repo: string;
  readonly commit: string;
  readonly paths: readonly string[];
}

/** `job NAME@ID: STATE in N s, T datums: P processed, S skipped, F failed`. */
export function jobLine(job: JobRecord): string {
  const { total, processed, skipped, failed } = job.counts;
  const seconds =
    job.started && job.finished
      ? ` in ${((Date.parse(job.finished) - Date.parse(job.started)) / 1000).toFixed(1)} s`
      : '';
  return (
    `job ${job.pipeline}@${job.commitSet}: ${job.state}${seconds}, ${total} datum${total === 1 ? '' : 's'}: ` +
    `${processed} processed, ${skipped} skipped, ${failed} failed`
  );
}

/** The datums the job ran (not the ones it reused), with their input files. */
export async function ranDatumLines(pipelines: PipelineService, job: JobRecord): Promise<string[]> {
  const lines: string[] = [];
  for (const row of await pipelines.listDatums(job.pipeline, job.commitSet)) {
    if (row.state === 'skipped') continue;
    const datum = await pipelines.inspectDatum(job.pipeline, job.commitSet, row.id);
    const inputs = datum.inputs.map((input) => `${input.repo}:${input.path}`).join(', ');
    lines.push(
      `  datum ${row.id.slice(0, 12)}  ${row.state}  ${inputs}  (${datum.mode}, ${datum.durationMs} ms)`,
    );
  }
  const skipped = job.counts.skipped;
  lines.push(
    `  … and ${skipped} skipped datum${skipped === 1 ? '' : 's'}, whose earlier outputs were reused`,
  );
  return lines;
}

/** How the report moved: categories, average sentiment, urgent count and the most urgent message. */
export function reportChangeLines(before: Report, after: Report): string[] {
  const names = [...new Set([...Object.keys(before.categories), ...Object.keys(after.categories)])].sort();
  const moved = names
    .map((name) => ({
      name,
      was: before.categories[name]?.messages ?? 0,
      now: after.categories[name]?.messages ?? 0,
    }))
    .filter(({ was, now }) => was !== now)
    .map(({ name, was, now }) => `${name} ${was} → ${now}`);
  const top = after.mostUrgent[0];
  return [
    `report now: ${moved.join(', ') || 'no category changed'}; average sentiment ${before.averageSentiment} → ` +
      `${after.averageSentiment}; urgent ${before.urgent} → ${after.urgent}`,
    ...(top
      ? [`  most urgent: ${top.message} (${top.category}, urgency ${top.urgency}) "${top.subject}"`]
      : []),
  ];
}

/** The origin-commit files a lineage tree reaches (shared nodes counted once), by commit. */
export function rawInputsOf(root: LineageNode): RawInput[] {
  const found = new Map<string, { repo: string; commit: string; paths: Set<string> }>();
  const seen = new Set<LineageNode>();
  const walk = (node: LineageNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (node.producer === null) {
      const key = `${node.repo}@${node.commit}`;
      const entry = found.get(key) ?? { repo: node.repo, commit: node.commit, paths: new Set<string>() };
      if (node.path !== null) entry.paths.add(node.path);
      found.set(key, entry);
      return;
    }
    for (const datum of node.datums) for (const input of datum.inputs) walk(input.file);
    for (const input of node.inputCommits) walk(input);
  };
  walk(root);
  return [...found.values()].map((entry) => ({ ...entry, paths: [...entry.paths].sort() }));
}

/** One line per raw input commit, with a label for the commits the caller knows. */
export function rawInputLines(inputs: readonly RawInput[], labels: ReadonlyMap<string, string>): string[] {
  return [
    'raw inputs reached:',
    ...inputs.map((input) => {
      const label = labels.get(input.commit);
      const files = `${input.paths.length} file${input.paths.length === 1 ? '' : 's'}`;
      return `  ${input.repo}@${input.commit}${label ? ` (${label})` : ''}: ${files}, ${pathSummary(input.paths)}`;
    }),
  ];
}

function pathSummary(paths: readonly string[]): string {
  return paths.length <= 2 ? paths.join(', ') : `${paths[0]} … ${paths.at(-1)}`;
}
