/**
 * What each datum of a job produced, and each job's datum table.
 *
 * - A datum result (KV, written once per job that ran the datum) holds the datum's input files
 *   with their content hashes, its output entries (content already stored), its state and the
 *   tail of its logs: enough to assemble the output commit and to answer file-level lineage.
 * - A job's datum table (one object per job, JSON lines sorted by datum ID) lists every datum of
 *   the job with its hash, state and the job whose result it uses (itself, or an earlier job for
 *   a skipped datum), so the next job can plan incrementally against it.
 */
import { z } from 'zod';
import { CorruptDataError } from '../../versioning/errors.ts';
import { fileEntrySchema } from '../../versioning/graph/entry-schema.ts';
import { decodeRecord, encodeRecord } from '../../versioning/graph/records.ts';
import {
  type CommitId,
  type CommitSetId,
  parseCommitId,
  parseCommitSetId,
  parseRepoName,
  type RepoName,
} from '../../versioning/ids.ts';
import { allPages, type KvStore, type ObjectStore } from '../../versioning/ports.ts';
import type { FileEntry } from '../../versioning/tree/types.ts';
import { type DatumHash, type DatumId, parseDatumHash, parseDatumId } from '../datums/index.ts';

export const datumStates = ['success', 'failed', 'recovered', 'skipped'] as const;

export const datumResult = z.object({
  id: z.string().transform(parseDatumId),
  hash: z.string().transform(parseDatumHash),
  job: z.string().transform(parseCommitSetId),
  state: z.enum(['success', 'failed', 'recovered']),
  inputs: z.array(
    z.object({
      name: z.string(),
      repo: z.string().transform(parseRepoName),
      commit: z.string().transform(parseCommitId),
      path: z.string(),
      hash: z.string(),
    }),
  ),
  outputs: z.array(fileEntrySchema),
  attempts: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  mode: z.string(),
  error: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
});
export type DatumResult = z.output<typeof datumResult>;

/** A datum result as the unit runner writes it. */
export interface DatumResultInput {
  readonly id: DatumId;
  readonly hash: DatumHash;
  readonly job: CommitSetId;
  readonly state: DatumResult['state'];
  readonly inputs: readonly {
    readonly name: string;
    readonly repo: RepoName;
    readonly commit: CommitId;
    readonly path: string;
    readonly hash: string;
  }[];
  readonly outputs: readonly FileEntry[];
  readonly attempts: number;
  readonly durationMs: number;
  readonly mode: string;
  readonly error: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const datumTableLine = z.object({
  id: z.string().transform(parseDatumId),
  hash: z.string().transform(parseDatumHash),
  state: z.enum(datumStates),
  /** The job whose datum result holds this datum's outputs. */
  source: z.string().transform(parseCommitSetId),
});
export type DatumTableLine = z.output<typeof datumTableLine>;

const resultKey = (pipeline: RepoName, job: CommitSetId, datum: DatumId) =>
  `datumresult/${pipeline}/${job}/${datum}`;
const resultPrefix = (pipeline: RepoName, job: CommitSetId) => `datumresult/${pipeline}/${job}/`;
export const datumTableKey = (pipeline: RepoName, job: CommitSetId) => `jobs/${pipeline}/${job}/datums.jsonl`;

export async function recordDatumResult(
  kv: KvStore,
  pipeline: RepoName,
  result: DatumResultInput,
): Promise<void> {
  const key = resultKey(pipeline, result.job, result.id);
  // A retried unit may run a datum again: the first recorded result stands.
  await kv.putIfAbsent(key, encodeRecord(result));
}

export async function readDatumResult(
  kv: KvStore,
  pipeline: RepoName,
  job: CommitSetId,
  datum: DatumId,
): Promise<DatumResult | undefined> {
  const key = resultKey(pipeline, job, datum);
  const item = await kv.get(key);
  return item && decodeRecord(datumResult, key, item.value);
}

export async function* jobDatumResults(
  kv: KvStore,
  pipeline: RepoName,
  job: CommitSetId,
): AsyncGenerator<DatumResult> {
  for await (const item of allPages((after) => kv.scan(resultPrefix(pipeline, job), { after }))) {
    yield decodeRecord(datumResult, item.key, item.value);
  }
}

export async function deleteJobDatumResults(
  kv: KvStore,
  pipeline: RepoName,
  job: CommitSetId,
): Promise<void> {
  for (;;) {
    const page = await kv.scan(resultPrefix(pipeline, job), { limit: 1000 });
    if (page.items.length === 0) return;
    await Promise.all(page.items.map((item) => kv.delete(item.key)));
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function writeDatumTable(
  objects: ObjectStore,
  pipeline: RepoName,
  job: CommitSetId,
  lines: readonly DatumTableLine[],
): Promise<string> {
  const key = datumTableKey(pipeline, job);
  const sorted = [...lines].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await objects.putIfAbsent(key, encoder.encode(sorted.map((line) => JSON.stringify(line)).join('\n')));
  return key;
}

export async function readDatumTable(objects: ObjectStore, key: string): Promise<DatumTableLine[]> {
  const text = decoder.decode(await objects.get(key));
  if (text === '') return [];
  return text.split('\n').map((line, index) => {
    const parsed = datumTableLine.safeParse(safeJson(line));
    if (!parsed.success) throw new CorruptDataError(`datum table ${key} line ${index + 1} is invalid`);
    return parsed.data;
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
