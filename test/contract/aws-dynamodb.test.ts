/**
 * The KvStore contract on DynamoDbKvStore, against both local DynamoDB emulators: DynamoDB Local
 * (the official one; needs Java 17, else its suite is skipped with the reason printed) and
 * dynalite (in-process). Each case gets a fresh table, created the way `strata aws init` creates
 * it, and deleted afterwards.
 */
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe } from 'vitest';
import { DynamoDbKvStore, ensureKvTable } from '../../adapters/aws/dynamodb-kv-store.ts';
import {
  type DynamoDbEngine,
  dynamoDbClientFor,
  dynamoDbLocalAvailability,
  type RunningDynamoDb,
  startDynamoDbEmulator,
} from '../harness/aws/dynamodb-emulator.ts';
import { describeKvStoreContract } from './kv-store.contract.ts';

const local = dynamoDbLocalAvailability();
if (!local.available) console.log(`skipped: KvStore contract on DynamoDB Local: ${local.reason}`);

/** The contract on one emulator, started at its first case and stopped after its last. */
function describeOnEmulator(prefer: 'dynamodb-local' | 'dynalite', engine: DynamoDbEngine): void {
  let emulator: Promise<RunningDynamoDb> | undefined;
  let client: DynamoDBClient | undefined;
  let tables = 0;

  afterAll(async () => {
    client?.destroy();
    await (await emulator)?.stop();
  });

  describeKvStoreContract(`DynamoDB (${engine})`, async () => {
    emulator ??= startDynamoDbEmulator({ prefer });
    const running = await emulator;
    if (running.engine !== engine) throw new Error(`asked for ${engine}, but ${running.engine} started`);
    client ??= dynamoDbClientFor(running.endpoint);
    const tableClient = client;
    tables += 1;
    const table = `strata-contract-${tables}`;
    await ensureKvTable(tableClient, table);
    return {
      store: new DynamoDbKvStore({ client: tableClient, table }),
      cleanup: async () => {
        await tableClient.send(new DeleteTableCommand({ TableName: table }));
      },
    };
  });
}

describe.skipIf(!local.available)('on DynamoDB Local', () =>
  describeOnEmulator('dynamodb-local', 'DynamoDB Local'),
);
describe('on dynalite', () => describeOnEmulator('dynalite', 'dynalite'));
