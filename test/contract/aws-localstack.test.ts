/**
 * The storage contract suites against LocalStack (test/harness/aws/localstack.ts): the same cases
 * every adapter passes, run on S3ObjectStore and DynamoDbKvStore talking to a real LocalStack.
 *
 * Without a Docker engine every case is skipped, and the file prints `skipped: no Docker engine`
 * with the reason testcontainers gave. With Docker but no working DynamoDB in LocalStack (it
 * downloads DynamoDB Local at first use, so offline it fails) the KV suite is skipped, printing why.
 */
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe } from 'vitest';
import { createDynamoDbClient, createS3Client } from '../../adapters/aws/clients.ts';
import { DynamoDbKvStore, ensureKvTable } from '../../adapters/aws/dynamodb-kv-store.ts';
import { S3ObjectStore } from '../../adapters/aws/s3-object-store.ts';
import {
  type Availability,
  checkDynamoDb,
  createTestBucket,
  detectDocker,
  startLocalStack,
} from '../harness/aws/localstack.ts';
import { describeKvStoreContract } from './kv-store.contract.ts';
import { describeObjectStoreContract } from './object-store.contract.ts';

const docker = await detectDocker();
if (!docker.available) console.log(`skipped: no Docker engine (${docker.reason})`);

const localstack = docker.available ? await startLocalStack() : undefined;
const s3 = localstack && createS3Client(localstack.clientOptions);
const dynamodb = localstack && createDynamoDbClient(localstack.clientOptions);

let tableCount = 0;
/** Creates a table no other test uses (each KV case starts from an empty store). */
async function createTestTable(): Promise<string> {
  tableCount += 1;
  const table = `strata-contract-${tableCount}`;
  await ensureKvTable(need(dynamodb), table);
  return table;
}

const dynamoDb: Availability = !docker.available ? docker : await checkDynamoDb(() => createTestTable());
if (docker.available && !dynamoDb.available) {
  console.log(`skipped: KvStore on LocalStack: ${dynamoDb.reason}`);
}

afterAll(async () => {
  s3?.destroy();
  dynamodb?.destroy();
  await localstack?.stop();
});

describe.skipIf(!docker.available)('LocalStack S3', () => {
  describeObjectStoreContract('S3 on LocalStack', async () => {
    const client = need(s3);
    const bucket = await createTestBucket(client);
    return { store: new S3ObjectStore({ client, bucket }), cleanup: async () => {} };
  });
});

describe.skipIf(!dynamoDb.available)('LocalStack DynamoDB', () => {
  describeKvStoreContract('DynamoDB on LocalStack', async () => {
    const client = need(dynamodb);
    const table = await createTestTable();
    return {
      store: new DynamoDbKvStore({ client, table }),
      cleanup: async () => {
        await client.send(new DeleteTableCommand({ TableName: table }));
      },
    };
  });
});

/** The clients exist whenever a suite runs; this says so to the type checker. */
function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('LocalStack is not running, yet a LocalStack case ran');
  return value;
}
