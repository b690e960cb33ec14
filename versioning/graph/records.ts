/**
 * The records of the commit graph, as stored in the KvStore. The zod schemas are the source of
 * truth: stored JSON is parsed through them on every read, and the branded types come out of
 * their transforms, never out of a cast.
 */
import { z } from 'zod';
import { CorruptDataError } from '../errors.ts';
import { parseBranchName, parseCommitId, parseCommitSetId, parseObjectHash, parseRepoName } from '../ids.ts';

const repoName = z.string().transform(parseRepoName);
const branchName = z.string().transform(parseBranchName);
const commitId = z.string().transform(parseCommitId);
const commitSetId = z.string().transform(parseCommitSetId);
const objectHash = z.string().transform(parseObjectHash);
const timestamp = z.string();

export const repoRecord = z.object({
  name: repoName,
  description: z.string(),
  created: timestamp,
});
export type RepoRecord = z.infer<typeof repoRecord>;

export const branchRecord = z.object({
  head: commitId,
  created: timestamp,
  provenance: z.array(z.object({ repo: repoName, branch: branchName })),
});
export type BranchRecord = z.infer<typeof branchRecord>;

export const commitOrigins = ['user', 'auto', 'revert', 'pipeline'] as const;
export type CommitOrigin = (typeof commitOrigins)[number];

/** Written once when a commit starts; never changes. */
export const commitRecord = z.object({
  id: commitId,
  repo: repoName,
  branch: branchName.nullable(),
  parent: commitId.nullable(),
  origin: z.enum(commitOrigins),
  description: z.string(),
  started: timestamp,
  /** Sorts commits newest first in listings; finer than `started`, which has milliseconds only. */
  order: z.string().regex(/^\d{16}$/),
  commitSet: commitSetId,
});
export type CommitRecord = z.infer<typeof commitRecord>;

/** Written once when a commit is finished or dropped; its presence is what "finished" means. */
export const finishRecord = z.object({
  finished: timestamp,
  dropped: z.boolean(),
  description: z.string().nullable(),
  root: objectHash.nullable(),
  fileCount: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative(),
  error: z.string().nullable(),
});
export type FinishRecord = z.infer<typeof finishRecord>;

/**
 * The head of an open commit's staged writes: a chain of delta records, newest first. Appending
 * and sealing both move it by compare-and-set, so a write either lands before the seal (and is in
 * the finished commit) or sees the seal and goes elsewhere: no write is lost.
 */
export const stageRecord = z.object({
  sealed: z.boolean(),
  last: z.string().nullable(),
  count: z.number().int().nonnegative(),
});
export type StageRecord = z.infer<typeof stageRecord>;

/** One staged write: sorted change runs stored as objects, and the delta staged before it. */
export const deltaRecord = z.object({
  prev: z.string().nullable(),
  objects: z.array(z.string()),
});
export type DeltaRecord = z.infer<typeof deltaRecord>;

/**
 * The tree an open commit's staged writes gave when last read, and the staged delta it was built
 * from (the delta ID names the staged state exactly, as deltas are immutable). A cache: losing a
 * race to update it costs a rebuild, never a wrong tree.
 */
export const viewRecord = z.object({
  last: z.string(),
  root: objectHash,
  fileCount: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative(),
});
export type ViewRecord = z.infer<typeof viewRecord>;

export function decodeRecord<T extends z.ZodType>(schema: T, key: string, value: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    throw new CorruptDataError(`record ${key} is not valid JSON`, { cause: error });
  }
  let result: z.ZodSafeParseResult<z.output<T>>;
  try {
    result = schema.safeParse(json);
  } catch (error) {
    // A branded-ID parse function refused a stored value.
    throw new CorruptDataError(`record ${key} holds an invalid value: ${String(error)}`, { cause: error });
  }
  if (!result.success) {
    throw new CorruptDataError(`record ${key} does not match its schema: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

export function encodeRecord(value: unknown): string {
  return JSON.stringify(value);
}
