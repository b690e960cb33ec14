/**
 * What the worker processes take (one JSON argument) and print (one JSON line). Both sides parse
 * with these schemas, so a worker and its scenario cannot drift apart silently.
 */
import { z } from 'zod';

const Counts = z.object({
  objectPuts: z.number(),
  objectBytesPut: z.number(),
  objectGets: z.number(),
  objectLists: z.number(),
  kvWriteCalls: z.number(),
  kvItemsWritten: z.number(),
  kvDynamoWriteRequests: z.number(),
  kvReadCalls: z.number(),
});

export const BuildInput = z.object({
  home: z.string(),
  files: z.number().int().positive(),
  changed: z.number().int().positive(),
  seed: z.string(),
});
export type BuildInput = z.infer<typeof BuildInput>;

export const BuildOutput = z.object({
  repo: z.string(),
  firstCommit: z.string(),
  secondCommit: z.string(),
  files: z.number(),
  commitSeconds: z.number(),
  changeSeconds: z.number(),
  /** VmHWM of the worker right after the large commit, before the small one. */
  peakRssAfterCommitBytes: z.number(),
  commitRequests: Counts,
  changeRequests: Counts,
});
export type BuildOutput = z.infer<typeof BuildOutput>;

export const DiffInput = z.object({
  home: z.string(),
  repo: z.string(),
  before: z.string(),
  after: z.string(),
  warmRepeats: z.number().int().positive(),
});
export type DiffInput = z.infer<typeof DiffInput>;

export const DiffOutput = z.object({
  firstDiffMs: z.number(),
  warmDiffMs: z.array(z.number()),
  changes: z.number(),
  /** Objects (tree nodes) the first diff read from the store. */
  diffObjectsRead: z.number(),
  walkBothMs: z.number(),
  walked: z.number(),
  /** Objects the walk of both trees read: its node cache is shared by the two walks. */
  walkObjectsRead: z.number(),
});
export type DiffOutput = z.infer<typeof DiffOutput>;

export const RequestsInput = z.object({
  files: z.number().int().positive(),
  folders: z.number().int().positive(),
  seed: z.string(),
});
export type RequestsInput = z.infer<typeof RequestsInput>;

export const RequestsOutput = z.object({
  files: z.number(),
  bytes: z.number(),
  seconds: z.number(),
  requests: Counts,
  /** The memory stores' own counters, as a cross-check of the counting decorators. */
  memoryStats: z.object({ objects: z.record(z.string(), z.number()), kv: z.record(z.string(), z.number()) }),
});
export type RequestsOutput = z.infer<typeof RequestsOutput>;

export const AwsRequestsInput = z.object({
  files: z.number().int().positive(),
  folders: z.number().int().positive(),
  seed: z.string(),
  /** Objects put and read back for the MB/s figures, and the size of each. */
  objects: z.number().int().positive(),
  objectBytes: z.number().int().positive(),
  /** Conditional puts for the KV rate. */
  kvItems: z.number().int().positive(),
});
export type AwsRequestsInput = z.infer<typeof AwsRequestsInput>;

export const AwsRequestsOutput = z.object({
  files: z.number(),
  bytes: z.number(),
  dynamoDbEngine: z.string(),
  commitSeconds: z.number(),
  /** Requests per API operation (and `BatchWriteItemItems`: the items those batches wrote). */
  commitRequests: z.object({
    s3: z.record(z.string(), z.number()),
    dynamodb: z.record(z.string(), z.number()),
  }),
  putMBps: z.number(),
  getMBps: z.number(),
  conditionalPutsPerSecond: z.number(),
});
export type AwsRequestsOutput = z.infer<typeof AwsRequestsOutput>;

/** The worker's input, from its one command-line argument. */
export function workerInput<T>(schema: z.ZodType<T>): T {
  const text = process.argv[2];
  if (text === undefined) throw new Error('a bench worker takes its input as one JSON argument');
  return schema.parse(JSON.parse(text));
}

export function printOutput<T>(schema: z.ZodType<T>, output: T): void {
  process.stdout.write(`${JSON.stringify(schema.parse(output))}\n`);
}

/** The process's peak resident set so far (VmHWM), in bytes. */
export async function peakRss(): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile('/proc/self/status', 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
}
