/**
 * Runs Strata on the AWS adapters against the local emulators (s3rver, DynamoDB Local or
 * dynalite) and reports what AWS would bill and how fast the adapters move bytes:
 * - the S3 and DynamoDB requests of putting the small-files tree (1,000 files by default) in one
 *   commit, counted per API operation by SDK middleware (the real requests, not the port calls);
 * - put and get MB/s of 8 MiB objects (a pack's size) through S3ObjectStore;
 * - conditional puts per second through DynamoDbKvStore.
 * Emulator figures say how the adapters behave, not what AWS itself would do.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { InitializeMiddleware } from '@smithy/types';
import { startAwsEmulators } from '../../test/harness/aws/emulators.ts';
import { parseRepoName } from '../../versioning/ids.ts';
import { parseCommitRef } from '../../versioning/refs.ts';
import { VersioningService } from '../../versioning/service.ts';
import { smallFiles } from '../harness/data.ts';
import { AwsRequestsInput, AwsRequestsOutput, printOutput, workerInput } from './protocol.ts';
import { generatedSources } from './sources.ts';

const input = workerInput(AwsRequestsInput);
const emulators = await startAwsEmulators();
try {
  const backend = await emulators.freshBackend();
  const service = new VersioningService({ objects: backend.objects, kv: backend.kv });
  await service.createRepo(parseRepoName('bench'));

  const s3 = countRequests(backend.clients.s3);
  const dynamodb = countRequests(backend.clients.dynamodb);
  s3.reset();
  dynamodb.reset();
  const started = performance.now();
  const result = await service.putFiles(
    parseCommitRef('bench@master'),
    generatedSources(smallFiles(input.files, input.folders, input.seed)),
  );
  const commitSeconds = (performance.now() - started) / 1000;
  const commitRequests = { s3: s3.snapshot(), dynamodb: dynamodb.snapshot() };

  const objects = Array.from({ length: input.objects }, () => randomBytes(input.objectBytes));
  const putSeconds = await timed(() =>
    inParallel(objects, 4, (bytes, i) => backend.objects.putIfAbsent(`bench/ab/object-${i}`, bytes)),
  );
  const getSeconds = await timed(() =>
    inParallel(objects, 4, (_, i) => backend.objects.get(`bench/ab/object-${i}`)),
  );
  const keys = Array.from({ length: input.kvItems }, (_, i) => `bench/kv/${i}`);
  const kvSeconds = await timed(() =>
    inParallel(keys, 16, (key) => backend.kv.putIfAbsent(key, 'x'.repeat(200))),
  );

  await backend.cleanup();
  printOutput(AwsRequestsOutput, {
    files: result.files,
    bytes: result.bytes,
    dynamoDbEngine: emulators.dynamodb.engine,
    commitSeconds,
    commitRequests,
    putMBps: (input.objects * input.objectBytes) / 1e6 / putSeconds,
    getMBps: (input.objects * input.objectBytes) / 1e6 / getSeconds,
    conditionalPutsPerSecond: input.kvItems / kvSeconds,
  });
} finally {
  await emulators.stop();
}

/** Counts the requests a client sends, per operation, and the items of DynamoDB batch writes. */
function countRequests(client: S3Client | DynamoDBClient) {
  const counter = { counts: {} as Record<string, number> };
  const options = { step: 'initialize', name: 'strataBenchRequestCounter' } as const;
  if (client instanceof S3Client) client.middlewareStack.add(countingMiddleware(counter), options);
  else client.middlewareStack.add(countingMiddleware(counter), options);
  return {
    reset: () => {
      counter.counts = {};
    },
    snapshot: () => ({ ...counter.counts }),
  };
}

function countingMiddleware<I extends object, O extends object>(counter: {
  counts: Record<string, number>;
}): InitializeMiddleware<I, O> {
  return (next, context) => async (args) => {
    const operation = context.commandName?.replace(/Command$/, '') ?? 'unknown';
    const add = (name: string, count: number) => {
      counter.counts[name] = (counter.counts[name] ?? 0) + count;
    };
    add(operation, 1);
    if (operation === 'BatchWriteItem' && 'RequestItems' in args.input) {
      const tables: unknown = args.input.RequestItems;
      if (typeof tables === 'object' && tables !== null) {
        for (const writes of Object.values(tables))
          add('BatchWriteItemItems', Array.isArray(writes) ? writes.length : 0);
      }
    }
    return next(args);
  };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}
