/** The stored form of a work unit's datums and of a job's skipped-datum list. */
import { z } from 'zod';
import { CorruptDataError } from '../../versioning/errors.ts';
import { fileEntrySchema } from '../../versioning/graph/entry-schema.ts';
import {
  parseBranchName,
  parseCommitId,
  parseCommitSetId,
  parseFileHash,
  parseFilePath,
  parseRepoName,
} from '../../versioning/ids.ts';
import { type Datum, type DatumHash, parseDatumHash, parseDatumId } from '../datums/index.ts';

const path = z.string().transform((text) => parseFilePath(text, { allowRoot: true }));

export const unitDatum = z.object({
  hash: z.string().transform(parseDatumHash),
  datum: z.object({
    id: z.string().transform(parseDatumId),
    inputs: z.array(
      z.object({
        name: z.string(),
        repo: z.string().transform(parseRepoName),
        branch: z.string().transform(parseBranchName),
        commit: z.string().transform(parseCommitId),
        globMatch: path,
        matchType: z.enum(['file', 'dir']),
        emptyFiles: z.boolean(),
        files: z.array(
          z.object({
            path: z.string().transform((text) => parseFilePath(text)),
            size: z.number().int().nonnegative(),
            hash: z.string().transform(parseFileHash),
            entry: fileEntrySchema,
          }),
        ),
      }),
    ),
  }),
});
export type UnitDatum = { readonly hash: DatumHash; readonly datum: Datum };

export const skippedDatum = z.object({
  id: z.string().transform(parseDatumId),
  hash: z.string().transform(parseDatumHash),
  source: z.string().transform(parseCommitSetId),
});
export type SkippedDatum = z.output<typeof skippedDatum>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeLines(values: readonly unknown[]): Uint8Array {
  return encoder.encode(values.map((value) => JSON.stringify(value)).join('\n'));
}

export function decodeLines<T extends z.ZodType>(schema: T, key: string, bytes: Uint8Array): z.output<T>[] {
  const text = decoder.decode(bytes);
  if (text === '') return [];
  return text.split('\n').map((line, index) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new CorruptDataError(`${key} line ${index + 1} is not JSON`, { cause: error });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new CorruptDataError(`${key} line ${index + 1} is invalid: ${parsed.error.message}`);
    return parsed.data;
  });
}
