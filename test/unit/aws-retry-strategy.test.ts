/**
 * How the AWS clients retry (adapters/aws/clients.ts, retry-strategy.ts): an endpoint that is not
 * there is given up after 3 attempts, however many a throttled call may take; AWS_MAX_ATTEMPTS is
 * honoured.
 */
import { createServer } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { isUnreachable } from '../../adapters/aws/aws-errors.ts';
import { createDynamoDbClient } from '../../adapters/aws/clients.ts';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

async function attemptsAgainstClosedPort(options: { maxAttempts?: number } = {}): Promise<unknown> {
  const client = createDynamoDbClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${await closedPort()}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...options,
  });
  try {
    await client.send(new ListTablesCommand({}));
    throw new Error('the call reached a closed port');
  } catch (error) {
    return error;
  } finally {
    client.destroy();
  }
}

const attemptsOf = (error: unknown): unknown =>
  error instanceof Error &&
  '$metadata' in error &&
  typeof error.$metadata === 'object' &&
  error.$metadata !== null
    ? Reflect.get(error.$metadata, 'attempts')
    : undefined;

describe('AWS client retries', () => {
  const saved = process.env.AWS_MAX_ATTEMPTS;
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_MAX_ATTEMPTS;
    else process.env.AWS_MAX_ATTEMPTS = saved;
  });

  it('gives up on an endpoint that refuses connections after 3 attempts, not 10', async () => {
    const error = await attemptsAgainstClosedPort();

    expect(isUnreachable(error)).toBe(true);
    expect(attemptsOf(error)).toBe(3);
  });

  it('makes fewer attempts when maxAttempts or AWS_MAX_ATTEMPTS says so', async () => {
    const fromOption = await attemptsAgainstClosedPort({ maxAttempts: 2 });
    process.env.AWS_MAX_ATTEMPTS = '1';
    const fromEnvironment = await attemptsAgainstClosedPort();

    expect(attemptsOf(fromOption)).toBe(2);
    expect(attemptsOf(fromEnvironment)).toBe(1);
  });
});
