/**
 * aws-emulators: the AWS adapters on the local emulators (s3rver; DynamoDB Local, or dynalite
 * without Java). Puts 1,000 small files (1–4 KiB) in one commit and counts the S3 and DynamoDB
 * requests it makes, against the AWS issue's budget: ≤ 10 S3 PUTs and ≤ 10 DynamoDB writes per
 * 1,000 files, thanks to packing and batching. Also put/get MB/s of pack-sized objects and
 * conditional puts per second. Emulator speeds show the adapters' overhead, not AWS's.
 */
import { atMost, type BenchContext, recordInfo, type Scenario } from '../harness/context.ts';
import { runWorker } from '../harness/strata.ts';
import { AwsRequestsOutput } from '../workers/protocol.ts';

const FILES = 1000;
const S3_PUT_CLASS = ['PutObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload'];
const S3_READS = ['GetObject', 'HeadObject', 'ListObjectsV2', 'HeadBucket'];
const DYNAMODB_WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];
const DYNAMODB_READS = ['GetItem', 'BatchGetItem', 'Query', 'Scan'];

const sum = (counts: Readonly<Record<string, number>>, names: readonly string[]) =>
  names.reduce((total, name) => total + (counts[name] ?? 0), 0);

function recordRequests(ctx: BenchContext, output: AwsRequestsOutput): void {
  const perK = (count: number) => (count * 1000) / output.files;
  const { s3, dynamodb } = output.commitRequests;
  const describe = (counts: Readonly<Record<string, number>>) =>
    Object.entries(counts)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
  const s3Puts = perK(sum(s3, S3_PUT_CLASS));
  const dynamoWrites = perK(sum(dynamodb, DYNAMODB_WRITES));
  ctx.record({
    system: 'strata (S3)',
    metric: 'PUT requests',
    value: s3Puts,
    unit: 'per 1k files',
    target: '≤ 10',
    verdict: atMost(s3Puts, 10),
    note: describe(s3),
  });
  ctx.record({
    system: `strata (${output.dynamoDbEngine})`,
    metric: 'write requests',
    value: dynamoWrites,
    unit: 'per 1k files',
    target: '≤ 10',
    verdict: atMost(dynamoWrites, 10),
    note: describe(dynamodb),
  });
  const itemsWritten = sum(dynamodb, ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItemItems']);
  recordInfo(ctx, `strata (${output.dynamoDbEngine})`, 'items written', perK(itemsWritten), 'per 1k files');
  recordInfo(
    ctx,
    `strata (${output.dynamoDbEngine})`,
    'read requests',
    perK(sum(dynamodb, DYNAMODB_READS)),
    'per 1k files',
  );
  recordInfo(ctx, 'strata (S3)', 'GET/HEAD/LIST requests', perK(sum(s3, S3_READS)), 'per 1k files');
  recordInfo(ctx, 'strata (emulators)', `commit of ${output.files} files`, output.commitSeconds, 's');
}

export const awsEmulators: Scenario = {
  name: 'aws-emulators',
  summary: 'S3 + DynamoDB adapters on the emulators: requests per 1,000 small files, put/get MB/s',
  async run(ctx) {
    ctx.log('starting the emulators; putting 1,000 small files in one commit');
    const input = {
      files: FILES,
      folders: 10,
      seed: 'strata-bench/small-files',
      objects: ctx.sizes.smallFiles < 20_000 ? 4 : 16,
      objectBytes: 8 * 1024 * 1024,
      kvItems: 2000,
    };
    const { output } = await runWorker(ctx, 'aws-requests.ts', input, AwsRequestsOutput);
    ctx.detail('output', output);
    recordRequests(ctx, output);
    recordInfo(ctx, 'strata (S3 on s3rver)', 'put 8 MiB objects', output.putMBps, 'MB/s');
    recordInfo(ctx, 'strata (S3 on s3rver)', 'get 8 MiB objects', output.getMBps, 'MB/s');
    recordInfo(
      ctx,
      `strata (${output.dynamoDbEngine})`,
      'conditional puts/s',
      output.conditionalPutsPerSecond,
      '',
    );
  },
};
