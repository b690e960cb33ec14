/** The stored shape of a file entry and of a tree change, parsed on every read. */
import { z } from 'zod';
import { parseChunkId, parseFileHash, parseFilePath, parseObjectHash, parsePackId } from '../ids.ts';
import type { TreeChange } from '../tree/types.ts';

const count = z.number().int().nonnegative();

export const chunkRefSchema = z.object({
  id: z.string().transform(parseChunkId),
  pack: z.string().transform(parsePackId),
  offset: count,
  length: count,
});

export const fileContentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('chunks'), chunks: z.array(chunkRefSchema) }),
  z.object({
    kind: z.literal('lists'),
    lists: z.array(z.object({ hash: z.string().transform(parseObjectHash), size: count, chunkCount: count })),
  }),
]);

export const fileEntrySchema = z.object({
  path: z.string().transform((path) => parseFilePath(path)),
  size: count,
  hash: z.string().transform(parseFileHash),
  content: fileContentSchema,
});

const filePath = z.string().transform((path) => parseFilePath(path, { allowRoot: true }));

export const treeChangeSchema: z.ZodType<TreeChange, unknown> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('put'),
    path: z.string().transform((path) => parseFilePath(path)),
    entry: fileEntrySchema,
  }),
  z.object({ kind: z.literal('delete'), path: z.string().transform((path) => parseFilePath(path)) }),
  z.object({ kind: z.literal('delete-dir'), path: filePath }),
]);
