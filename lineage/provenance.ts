/**
 * Provenance: what produced a commit. Written once, by the platform, when a pipeline opens its
 * output commit — never by user code — and read by `strata lineage` to walk back to the raw
 * inputs. A commit with no provenance record is an origin commit (a user's or ingest's write).
 */
import { z } from 'zod';
import { decodeRecord, encodeRecord } from '../versioning/graph/records.ts';
import {
  type CommitId,
  parseBranchName,
  parseCommitId,
  parseCommitSetId,
  parseRepoName,
  type RepoName,
} from '../versioning/ids.ts';
import type { KvStore } from '../versioning/ports.ts';

export const provenanceRecord = z.object({
  inputs: z.array(
    z.object({
      name: z.string(),
      repo: z.string().transform(parseRepoName),
      branch: z.string().transform(parseBranchName),
      commit: z.string().transform(parseCommitId),
    }),
  ),
  pipeline: z.string().transform(parseRepoName),
  specVersion: z.number().int().positive(),
  specHash: z.string(),
  image: z.string().nullable(),
  /** The job is named by its pipeline and global ID. */
  job: z.string().transform(parseCommitSetId),
});
export type ProvenanceRecord = z.output<typeof provenanceRecord>;

const provenanceKey = (repo: RepoName, commit: CommitId) => `provenance/${repo}/${commit}`;

export async function recordProvenance(
  kv: KvStore,
  repo: RepoName,
  commit: CommitId,
  record: ProvenanceRecord,
): Promise<void> {
  await kv.putIfAbsent(provenanceKey(repo, commit), encodeRecord(record));
}

export async function readProvenance(
  kv: KvStore,
  repo: RepoName,
  commit: CommitId,
): Promise<ProvenanceRecord | undefined> {
  const key = provenanceKey(repo, commit);
  const item = await kv.get(key);
  return item && decodeRecord(provenanceRecord, key, item.value);
}
