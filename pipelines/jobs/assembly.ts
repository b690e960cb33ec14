/**
 * Assemble: the output commit is the union of every datum's output — re-run datums' new outputs
 * and skipped datums' earlier ones. A path written by several datums holds their contents
 * concatenated in datum-ID order (Pachyderm's rule), stored through the content writer so that
 * the concatenation re-uses the existing chunks instead of copying them. Beside the changes it
 * returns, per output path, the datums that wrote it (with the job that ran each): the job's
 * output index, which file-level lineage reads.
 */
import type { OutputWriters, WritingDatum } from '../../lineage/output-index.ts';
import { ContentReader, ContentWriter } from '../../versioning/content/index.ts';
import { NotFoundError } from '../../versioning/errors.ts';
import { type CommitSetId, parseFilePath } from '../../versioning/ids.ts';
import type { FileEntry, TreeChange } from '../../versioning/tree/types.ts';
import type { DatumId } from '../datums/index.ts';
import { type DatumTableLine, jobDatumResults, readDatumResult } from './datum-results.ts';
import type { LoadedJob } from './job-plan.ts';
import type { JobTaskDeps } from './job-tasks.ts';
import { decodeLines, skippedDatum } from './unit-codec.ts';

export async function assembleOutput(
  deps: JobTaskDeps,
  job: LoadedJob,
): Promise<{ lines: DatumTableLine[]; changes: TreeChange[]; writers: OutputWriters[] }> {
  const lines: DatumTableLine[] = [];
  const outputs: { datum: DatumId; source: CommitSetId; entries: readonly FileEntry[] }[] = [];
  for await (const result of jobDatumResults(deps.kv, job.pipeline, job.job)) {
    lines.push({ id: result.id, hash: result.hash, state: result.state, source: job.job });
    if (result.state === 'success')
      outputs.push({ datum: result.id, source: job.job, entries: result.outputs });
  }
  const skipped = decodeLines(skippedDatum, job.skippedKey, await deps.objects.get(job.skippedKey));
  for (const entry of skipped) {
    const earlier = await readDatumResult(deps.kv, job.pipeline, entry.source, entry.id);
    if (!earlier) {
      throw new NotFoundError(
        `the result of datum ${entry.id} from job ${entry.source} is missing; rerun with --reprocess`,
      );
    }
    lines.push({ id: entry.id, hash: entry.hash, state: 'skipped', source: entry.source });
    outputs.push({ datum: entry.id, source: entry.source, entries: earlier.outputs });
  }
  outputs.sort((a, b) => (a.datum < b.datum ? -1 : a.datum > b.datum ? 1 : 0));

  const byPath = new Map<string, { entries: FileEntry[]; datums: WritingDatum[] }>();
  for (const { datum, source, entries } of outputs) {
    for (const entry of entries) {
      const written = byPath.get(entry.path);
      if (written) {
        written.entries.push(entry);
        written.datums.push({ id: datum, source });
      } else byPath.set(entry.path, { entries: [entry], datums: [{ id: datum, source }] });
    }
  }
  const changes: TreeChange[] = [{ kind: 'delete-dir', path: parseFilePath('/', { allowRoot: true }) }];
  const writers: OutputWriters[] = [];
  const writer = new ContentWriter({ objects: deps.objects, kv: deps.kv });
  const reader = new ContentReader({ objects: deps.objects });
  for (const { entries, datums } of byPath.values()) {
    const [first] = entries;
    if (!first) continue;
    const entry =
      entries.length === 1
        ? first
        : { path: first.path, ...(await writer.write(concatenated(reader, entries))) };
    changes.push({ kind: 'put', path: entry.path, entry });
    writers.push({ path: entry.path, datums });
  }
  await writer.flush();
  return { lines, changes, writers };
}

async function* concatenated(
  reader: ContentReader,
  entries: readonly FileEntry[],
): AsyncGenerator<Uint8Array> {
  for (const entry of entries) yield* reader.read(entry, undefined, { path: entry.path });
}
