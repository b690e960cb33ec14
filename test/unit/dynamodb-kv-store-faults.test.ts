/**
 * DynamoDbKvStore when things go wrong: DynamoDB unreachable, the table missing, access denied,
 * throttling, batch items left unprocessed, values too big for an item. Faults are injected by a
 * proxy in front of dynalite (test/harness/aws/dynamodb-fault-proxy.ts), so the SDK sees the same
 * HTTP answers AWS would send.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AwsClientOptions } from '../../adapters/aws/clients.ts';
import { DynamoDbKvStore, ensureKvTable } from '../../adapters/aws/dynamodb-kv-store.ts';
import { partitionOf } from '../../adapters/aws/dynamodb-table.ts';
import { MemoryObjectStore } from '../../adapters/memory/index.ts';
import {
  CorruptDataError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '../../versioning/errors.ts';
import {
  dynamoDbClientFor,
  type RunningDynamoDb,
  startDynamoDbEmulator,
} from '../harness/aws/dynamodb-emulator.ts';
import {
  awsError,
  type FaultHandler,
  type RunningFaultProxy,
  startFaultProxy,
} from '../harness/aws/dynamodb-fault-proxy.ts';

let emulator: RunningDynamoDb;
let client: DynamoDBClient;
let tables = 0;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  emulator = await startDynamoDbEmulator({ prefer: 'dynalite' });
  client = dynamoDbClientFor(emulator.endpoint);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  client.destroy();
  await emulator.stop();
});

async function freshTable(): Promise<string> {
  tables += 1;
  const table = `strata-faults-${tables}`;
  await ensureKvTable(client, table);
  cleanups.push(async () => {
    await client.send(new DeleteTableCommand({ TableName: table }));
  });
  return table;
}

/** A store on a fresh table whose requests pass through `handle`. */
async function storeBehindProxy(
  handle: FaultHandler,
  options: AwsClientOptions = {},
): Promise<{ store: DynamoDbKvStore; proxy: RunningFaultProxy; table: string }> {
  const table = await freshTable();
  const proxy = await startFaultProxy(emulator.endpoint, handle);
  const proxied = dynamoDbClientFor(proxy.endpoint, options);
  cleanups.push(async () => {
    proxied.destroy();
    await proxy.close();
  });
  return { store: new DynamoDbKvStore({ client: proxied, table }), proxy, table };
}

const batchWriteRequest = z.object({ RequestItems: z.record(z.string(), z.array(z.unknown())) });
const batchWriteResponse = z.looseObject({ UnprocessedItems: z.record(z.string(), z.array(z.unknown())) });
const batchGetRequest = z.object({
  RequestItems: z.record(z.string(), z.looseObject({ Keys: z.array(z.unknown()) })),
});
const batchGetResponse = z.looseObject({ Responses: z.record(z.string(), z.array(z.unknown())) });

describe('DynamoDbKvStore: unreachable DynamoDB and missing table', () => {
  it('answers an unreachable endpoint with UnavailableError naming the endpoint', async () => {
    const closed = await startFaultProxy(emulator.endpoint, (_, forward) => forward());
    const endpoint = closed.endpoint;
    await closed.close();
    const unreachable = dynamoDbClientFor(endpoint, { maxAttempts: 2 });
    cleanups.push(async () => unreachable.destroy());
    const store = new DynamoDbKvStore({ client: unreachable, table: 'strata-kv' });

    const attempt = store.get('repo/images');

    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(`DynamoDB at ${endpoint} could not be reached`);
  });

  it('answers a missing table with NotFoundError naming the table and how to create it', async () => {
    const store = new DynamoDbKvStore({ client, table: 'strata-missing' });

    const attempt = store.putIfAbsent('repo/images', 'x');

    await expect(attempt).rejects.toThrow(NotFoundError);
    await expect(attempt).rejects.toThrow('DynamoDB table strata-missing does not exist');
    await expect(attempt).rejects.toThrow(`endpoint ${emulator.endpoint}`);
    await expect(attempt).rejects.toThrow("'strata aws init'");
    await expect(attempt).rejects.toThrow(
      'aws dynamodb create-table --table-name strata-missing --attribute-definitions AttributeName=pk,AttributeType=S',
    );
  });
});

describe('DynamoDbKvStore: DynamoDB refuses a request', () => {
  it('names the action and the resource of an AccessDeniedException', async () => {
    const arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/strata-kv';
    const { store } = await storeBehindProxy(async (request, forward) =>
      request.operation === 'PutItem'
        ? awsError(
            'AccessDeniedException',
            `User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dynamodb:PutItem on resource: ${arn} because no identity-based policy allows the dynamodb:PutItem action`,
          )
        : forward(),
    );

    const attempt = store.putIfAbsent('repo/images', 'x');

    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(`DynamoDB denied dynamodb:PutItem on ${arn}`);
  });

  it('names the table when the access-denied message names no resource', async () => {
    const { store, table } = await storeBehindProxy(async (request, forward) =>
      request.operation === 'GetItem' ? awsError('AccessDeniedException', 'Access denied') : forward(),
    );

    await expect(store.get('repo/images')).rejects.toThrow(
      `cannot read repo/images in table ${table}: DynamoDB denied dynamodb:GetItem on arn:aws:dynamodb:us-east-1:<account>:table/${table}`,
    );
  });

  it('answers a ValidationException with InvalidArgumentError carrying its message', async () => {
    const { store } = await storeBehindProxy(async (request, forward) =>
      request.operation === 'Query' ? awsError('ValidationException', 'Limit must be at least 1') : forward(),
    );

    const attempt = store.scan('repo/images/');

    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow('Limit must be at least 1');
  });
});

describe('DynamoDbKvStore: throttling', () => {
  it('completes a burst whose first requests are throttled', async () => {
    let throttled = 0;
    const { store, proxy } = await storeBehindProxy(async (_, forward) => {
      if (throttled >= 4) return forward();
      throttled += 1;
      return throttled % 2 === 0
        ? awsError('ThrottlingException', 'Rate of requests exceeds the allowed throughput.')
        : awsError(
            'ProvisionedThroughputExceededException',
            'The level of configured provisioned throughput for the table was exceeded.',
          );
    });
    const keys = ['job/a/1', 'job/a/2', 'job/a/3', 'job/a/4'];

    const written = await Promise.all(keys.map((key) => store.putIfAbsent(key, `value of ${key}`)));
    const read = await store.getMany(keys);

    expect(written).toEqual([true, true, true, true]);
    expect(read.map((item) => item?.value)).toEqual(keys.map((key) => `value of ${key}`));
    expect(proxy.operations.length).toBeGreaterThanOrEqual(keys.length + 1 + 4);
  });

  it('fails with UnavailableError once throttling outlasts the retries', async () => {
    const { store } = await storeBehindProxy(
      async () =>
        awsError(
          'ProvisionedThroughputExceededException',
          'The level of configured provisioned throughput for the table was exceeded.',
        ),
      { maxAttempts: 2 },
    );

    const attempt = store.compareAndSet('branch/images/main', 1, 'c2');

    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow('DynamoDB kept throttling dynamodb:PutItem');
    await expect(attempt).rejects.toThrow('after 2 attempts');
  });
});

describe('DynamoDbKvStore: a write applied whose answer was lost', () => {
  /** Applies the first `operation` request, then answers it with a 500 so that the SDK retries it. */
  function loseFirstAnswer(operation: string): FaultHandler {
    let lost = false;
    return async (request, forward) => {
      const answer = await forward();
      if (request.operation !== operation || lost) return answer;
      lost = true;
      return awsError('InternalServerError', 'answer lost on the way', 500);
    };
  }

  it('answers true for a put-if-absent that the SDK retried after it was applied', async () => {
    const { store, proxy } = await storeBehindProxy(loseFirstAnswer('PutItem'));

    const won = await store.putIfAbsent('repo/images', 'first');
    const again = await store.putIfAbsent('repo/images', 'second');

    expect(proxy.operations.filter((operation) => operation === 'PutItem').length).toBe(3);
    expect(won).toBe(true);
    expect(again).toBe(false);
    expect(await store.get('repo/images')).toEqual({ key: 'repo/images', value: 'first', version: 1 });
  });

  it('answers true for a compare-and-set that the SDK retried after it was applied', async () => {
    const { store } = await storeBehindProxy(loseFirstAnswer('PutItem'));
    await store.putIfAbsent('branch/images/master', 'created').catch(() => undefined);
    const created = await store.get('branch/images/master');

    const moved = await store.compareAndSet('branch/images/master', created!.version, 'moved');
    const stale = await store.compareAndSet('branch/images/master', created!.version, 'again');

    expect(moved).toBe(true);
    expect(stale).toBe(false);
    expect(await store.get('branch/images/master')).toEqual({
      key: 'branch/images/master',
      value: 'moved',
      version: created!.version + 1,
    });
  });

  it('still answers false when the SDK retried and another writer holds the key', async () => {
    let failed = false;
    // The first PutItem after the other writer's fails without being applied; the SDK retries it.
    const { store } = await storeBehindProxy(async (request, forward) => {
      if (request.operation !== 'PutItem' || !request.body.includes('"mine"') || failed) return forward();
      failed = true;
      return awsError('InternalServerError', 'failed before it was applied', 500);
    });
    await store.putIfAbsent('repo/images', 'theirs');

    const mine = await store.putIfAbsent('repo/images', 'mine');

    expect(failed).toBe(true);
    expect(mine).toBe(false);
    expect((await store.get('repo/images'))?.value).toBe('theirs');
  });
});

describe('DynamoDbKvStore: batch items left unprocessed', () => {
  /** Forwards only the first half of each of the first `times` batch writes; the rest comes back unprocessed. */
  function halveBatchWrites(times: number): FaultHandler {
    let halved = 0;
    return async (request, forward) => {
      if (request.operation !== 'BatchWriteItem' || halved >= times) return forward();
      halved += 1;
      const [table, writes] = Object.entries(
        batchWriteRequest.parse(JSON.parse(request.body)).RequestItems,
      )[0]!;
      const kept = writes.slice(0, Math.ceil(writes.length / 2));
      const left = writes.slice(kept.length);
      const answer = await forward(JSON.stringify({ RequestItems: { [table]: kept } }));
      const parsed = batchWriteResponse.parse(JSON.parse(answer.body));
      const unprocessed = left.length > 0 ? { [table]: left } : {};
      return { status: answer.status, body: JSON.stringify({ ...parsed, UnprocessedItems: unprocessed }) };
    };
  }

  it('resends BatchWriteItem items DynamoDB left unprocessed until all are written', async () => {
    const { store, proxy } = await storeBehindProxy(halveBatchWrites(6));
    const items = Array.from({ length: 60 }, (_, i) => ({ key: `chunk/${i}`, value: `location ${i}` }));

    await store.putMany(items);

    const read = await store.getMany(items.map((item) => item.key));
    expect(read.map((item) => item?.value)).toEqual(items.map((item) => item.value));
    expect(proxy.operations.filter((operation) => operation === 'BatchWriteItem').length).toBeGreaterThan(3);
  });

  it('resends BatchGetItem keys DynamoDB left unprocessed and keeps the order asked', async () => {
    let halved = 0;
    const { store, proxy } = await storeBehindProxy(async (request, forward) => {
      if (request.operation !== 'BatchGetItem' || halved >= 3) return forward();
      halved += 1;
      const [table, asked] = Object.entries(batchGetRequest.parse(JSON.parse(request.body)).RequestItems)[0]!;
      const kept = asked.Keys.slice(0, Math.ceil(asked.Keys.length / 2));
      const left = asked.Keys.slice(kept.length);
      const answer = await forward(JSON.stringify({ RequestItems: { [table]: { ...asked, Keys: kept } } }));
      const parsed = batchGetResponse.parse(JSON.parse(answer.body));
      const unprocessed = left.length > 0 ? { [table]: { ...asked, Keys: left } } : {};
      return { status: answer.status, body: JSON.stringify({ ...parsed, UnprocessedKeys: unprocessed }) };
    });
    const keys = Array.from({ length: 150 }, (_, i) => `chunk/${i}`);
    await store.putMany(keys.map((key) => ({ key, value: `at ${key}` })));
    const asked = [...keys].reverse();

    const read = await store.getMany(asked);

    expect(read.map((item) => item?.value)).toEqual(asked.map((key) => `at ${key}`));
    expect(proxy.operations.filter((operation) => operation === 'BatchGetItem').length).toBeGreaterThan(2);
  });

  it('fails with UnavailableError when items stay unprocessed', async () => {
    const { store } = await storeBehindProxy(async (request, forward) => {
      if (request.operation !== 'BatchWriteItem') return forward();
      const { RequestItems } = batchWriteRequest.parse(JSON.parse(request.body));
      return { status: 200, body: JSON.stringify({ UnprocessedItems: RequestItems }) };
    });

    const attempt = store.putMany(Array.from({ length: 25 }, (_, i) => ({ key: `chunk/${i}`, value: 'x' })));

    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow('left 25 of 25 items unprocessed by dynamodb:BatchWriteItem');
  });
});

describe('DynamoDbKvStore: values too big for an item', () => {
  const big = (fill: string) => fill.repeat(500 * 1024);

  async function storeWithSpill(): Promise<{
    store: DynamoDbKvStore;
    objects: MemoryObjectStore;
    table: string;
  }> {
    const table = await freshTable();
    const objects = new MemoryObjectStore();
    return { store: new DynamoDbKvStore({ client, table, spill: objects }), objects, table };
  }

  it('spills a value over 400 KB to the object store and reads it back', async () => {
    const { store, objects, table } = await storeWithSpill();

    const written = await store.putIfAbsent('delta/images/c1/d1', big('a'));

    expect(written).toBe(true);
    expect(await store.get('delta/images/c1/d1')).toEqual({
      key: 'delta/images/c1/d1',
      value: big('a'),
      version: 1,
    });
    const spilled = await objects.list('kv-spill/');
    expect(spilled.items).toHaveLength(1);
    expect(spilled.items[0]?.size).toBe(500 * 1024);
    const raw = await client.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: partitionOf('delta/images/c1/d1') }, sk: { S: 'delta/images/c1/d1' } },
      }),
    );
    expect(raw.Item?.value).toBeUndefined();
    expect(raw.Item?.spill?.S).toBe(spilled.items[0]?.key);
  });

  it('compares and sets over a spilled value like over any other', async () => {
    const { store } = await storeWithSpill();
    await store.putIfAbsent('stage/images/c1', big('a'));

    const toLarger = await store.compareAndSet('stage/images/c1', 1, big('b'));
    const stale = await store.compareAndSet('stage/images/c1', 1, 'stale');
    const toSmall = await store.compareAndSet('stage/images/c1', 2, 'small');

    expect([toLarger, stale, toSmall]).toEqual([true, false, true]);
    expect(await store.get('stage/images/c1')).toEqual({
      key: 'stage/images/c1',
      value: 'small',
      version: 3,
    });
  });

  it('reads spilled values through getMany and scan', async () => {
    const { store } = await storeWithSpill();
    await store.putMany([
      { key: 'stage/images/c1', value: big('a') },
      { key: 'stage/images/c2', value: 'small' },
    ]);

    const many = await store.getMany(['stage/images/c2', 'stage/images/c1']);
    const page = await store.scan('stage/images/');

    expect(many.map((item) => item?.value)).toEqual(['small', big('a')]);
    expect(page.items.map((item) => item.value)).toEqual([big('a'), 'small']);
  });

  it('refuses an oversized value without a spill store, naming key, size and limit, and stores nothing', async () => {
    const table = await freshTable();
    const store = new DynamoDbKvStore({ client, table });
    await store.putIfAbsent('stage/images/c1', 'small');

    const create = store.putIfAbsent('stage/images/c2', big('a'));
    const replace = store.compareAndSet('stage/images/c1', 1, big('a'));
    const batch = store.putMany([
      { key: 'stage/images/c3', value: 'fits' },
      { key: 'stage/images/c4', value: big('a') },
    ]);

    await expect(create).rejects.toThrow(InvalidArgumentError);
    await expect(create).rejects.toThrow(
      `value of "stage/images/c2" is ${500 * 1024} bytes, over DynamoDB's item limit of 409600 bytes`,
    );
    await expect(replace).rejects.toThrow(InvalidArgumentError);
    await expect(batch).rejects.toThrow('value of "stage/images/c4"');
    expect(await store.getMany(['stage/images/c2', 'stage/images/c3', 'stage/images/c4'])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(await store.get('stage/images/c1')).toEqual({
      key: 'stage/images/c1',
      value: 'small',
      version: 1,
    });
  });

  it('refuses a key over 1024 bytes with InvalidArgumentError', async () => {
    const table = await freshTable();
    const store = new DynamoDbKvStore({ client, table });

    await expect(store.putIfAbsent(`repo/${'x'.repeat(1020)}`, 'x')).rejects.toThrow(
      /invalid storage key .* \(1025 bytes\): DynamoDB keys are at most 1024 bytes/,
    );
  });

  it('answers a spilled value whose object is gone with CorruptDataError', async () => {
    const { store, objects } = await storeWithSpill();
    await store.putIfAbsent('stage/images/c1', big('a'));
    const [spilled] = (await objects.list('kv-spill/')).items;
    await objects.delete(spilled?.key ?? '');

    await expect(store.get('stage/images/c1')).rejects.toThrow(CorruptDataError);
  });
});

describe('ensureKvTable', () => {
  it('creates a missing table once and leaves it as it is afterwards', async () => {
    tables += 1;
    const table = `strata-ensure-${tables}`;

    const first = await ensureKvTable(client, table);
    const second = await ensureKvTable(client, table);

    expect([first, second]).toEqual([true, false]);
    await client.send(new DeleteTableCommand({ TableName: table }));
  });

  it('refuses a table of that name with another key schema, naming both', async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'strata-foreign',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    cleanups.push(async () => {
      await client.send(new DeleteTableCommand({ TableName: 'strata-foreign' }));
    });

    const attempt = ensureKvTable(client, 'strata-foreign');

    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(
      'exists with key schema id (HASH), but Strata needs pk (HASH, S) and sk (RANGE, S)',
    );
  });

  it('names dynamodb:CreateTable when creating the table is denied', async () => {
    const proxy = await startFaultProxy(emulator.endpoint, async (request, forward) =>
      request.operation === 'CreateTable' ? awsError('AccessDeniedException', 'Access denied') : forward(),
    );
    const proxied = dynamoDbClientFor(proxy.endpoint);
    cleanups.push(async () => {
      proxied.destroy();
      await proxy.close();
    });

    const attempt = ensureKvTable(proxied, 'strata-denied');

    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(
      'DynamoDB denied dynamodb:CreateTable on arn:aws:dynamodb:us-east-1:<account>:table/strata-denied',
    );
  });
});
