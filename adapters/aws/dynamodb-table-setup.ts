/**
 * Creating the KV table where it is missing, for `strata aws init` and the tests. The CDK stack
 * declares the same table from `kvTableSchema`.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { InvalidArgumentError, isStrataError, UnavailableError } from '../../versioning/errors.ts';
import { dynamoDbFailure, resolveTarget } from './dynamodb-errors.ts';
import { assertTableName, createKvTableInput, kvTableSchema } from './dynamodb-table.ts';

/**
 * Creates the KV table unless it exists, then waits until it is active. True when this call
 * created it. Throws InvalidArgumentError when a table of that name exists with another key
 * schema, and the domain error of any DynamoDB failure (access denied names the action).
 */
export async function ensureKvTable(
  client: DynamoDBClient,
  name: string,
  options: { maxWaitSeconds?: number } = {},
): Promise<boolean> {
  assertTableName(name, 'table');
  let operation = 'DescribeTable';
  try {
    const existing = await describeTable(client, name);
    let created = false;
    if (existing === undefined) {
      operation = 'CreateTable';
      created = await createTable(client, name);
      operation = 'DescribeTable';
    } else {
      assertKvKeySchema(name, existing);
      if (existing.Table?.TableStatus === 'ACTIVE') return false;
    }
    await waitUntilActive(client, name, (options.maxWaitSeconds ?? 300) * 1000);
    return created;
  } catch (error) {
    if (isStrataError(error)) throw error;
    throw dynamoDbFailure(
      error,
      { operation, doing: `create table ${name}` },
      await resolveTarget(client, name),
    );
  }
}

/** True when this call created the table; false when another process created it first. */
async function createTable(client: DynamoDBClient, name: string): Promise<boolean> {
  try {
    await client.send(new CreateTableCommand(createKvTableInput(name)));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceInUseException') return false;
    throw error;
  }
}

/** Polls DescribeTable, quickly at first (emulators are ready at once, AWS in seconds). */
async function waitUntilActive(client: DynamoDBClient, name: string, maxWaitMs: number): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  for (let delay = 25; ; delay = Math.min(delay * 2, 2_000)) {
    const status = (await describeTable(client, name))?.Table?.TableStatus;
    if (status === 'ACTIVE') return;
    if (Date.now() + delay > deadline) {
      throw new UnavailableError(
        `DynamoDB table ${name} did not become active within ${Math.round(maxWaitMs / 1000)} s (status ${status ?? 'absent'}); check it in the console and run again`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function describeTable(
  client: DynamoDBClient,
  name: string,
): Promise<DescribeTableCommandOutput | undefined> {
  try {
    return await client.send(new DescribeTableCommand({ TableName: name }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function assertKvKeySchema(name: string, described: DescribeTableCommandOutput): void {
  const keys = described.Table?.KeySchema ?? [];
  const types = new Map(
    (described.Table?.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]),
  );
  const { partitionKey, sortKey } = kvTableSchema;
  const matches =
    keys.length === 2 &&
    keys.some((k) => k.AttributeName === partitionKey.name && k.KeyType === 'HASH') &&
    keys.some((k) => k.AttributeName === sortKey.name && k.KeyType === 'RANGE') &&
    types.get(partitionKey.name) === 'S' &&
    types.get(sortKey.name) === 'S';
  if (!matches) {
    const found = keys.map((k) => `${k.AttributeName} (${k.KeyType})`).join(', ');
    throw new InvalidArgumentError(
      `DynamoDB table ${name} exists with key schema ${found || 'none'}, but Strata needs ` +
        `${partitionKey.name} (HASH, S) and ${sortKey.name} (RANGE, S): choose another table name`,
    );
  }
}
