/**
 * LocalStack in a container (through testcontainers), to run the AWS adapters' contract suites
 * against S3 and DynamoDB APIs closer to AWS's than the in-process emulators. It needs a Docker
 * engine: `detectDocker()` finds out at once whether one is reachable, so that a test file can
 * skip with the reason instead of failing or pretending.
 *
 * The image is pinned to 4.14.0, the last LocalStack Community release: later images require a
 * LocalStack account's auth token. To use one, set STRATA_LOCALSTACK_IMAGE to the image and
 * LOCALSTACK_AUTH_TOKEN to the token; the token is passed to the container when set.
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { LocalstackContainer, type StartedLocalStackContainer } from '@testcontainers/localstack';
import { getContainerRuntimeClient } from 'testcontainers';
import type { AwsClientOptions } from '../../../adapters/aws/clients.ts';

export const LOCALSTACK_IMAGE = process.env.STRATA_LOCALSTACK_IMAGE ?? 'localstack/localstack:4.14.0';

/** Whether something the tests need is there, and if not, why. */
export type Availability =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string };

/**
 * Whether a Docker engine is reachable. testcontainers tries its strategies (DOCKER_HOST,
 * ~/.testcontainers.properties, the default sockets) and rejects at once when none works.
 */
export async function detectDocker(): Promise<Availability> {
  try {
    await getContainerRuntimeClient();
    return { available: true };
  } catch (error) {
    return { available: false, reason: messageOf(error) };
  }
}

export interface RunningLocalStack {
  /** `http://host:port` of the container's edge port. */
  readonly endpoint: string;
  /** What every SDK client for this LocalStack is created with (see adapters/aws/clients.ts). */
  readonly clientOptions: AwsClientOptions;
  stop(): Promise<void>;
}

/** Starts LocalStack with S3 and DynamoDB; resolves once it reports itself ready. */
export async function startLocalStack(): Promise<RunningLocalStack> {
  const token = process.env.LOCALSTACK_AUTH_TOKEN;
  const container: StartedLocalStackContainer = await new LocalstackContainer(LOCALSTACK_IMAGE)
    .withEnvironment({
      SERVICES: 's3,dynamodb',
      ...(token !== undefined && token !== '' ? { LOCALSTACK_AUTH_TOKEN: token } : {}),
    })
    .start();
  const endpoint = container.getConnectionUri();
  return {
    endpoint,
    clientOptions: {
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 3,
    },
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * Whether DynamoDB answers: LocalStack Community downloads DynamoDB Local on its first DynamoDB
 * request, which fails without network access. `probe` is one request (such as creating the
 * test's first table) that succeeds only if DynamoDB works.
 */
export async function checkDynamoDb(probe: () => Promise<unknown>): Promise<Availability> {
  try {
    await probe();
    return { available: true };
  } catch (error) {
    return {
      available: false,
      reason: `LocalStack's DynamoDB did not answer (it downloads DynamoDB Local at first use): ${messageOf(error)}`,
    };
  }
}

let bucketCount = 0;

/** Creates a bucket with a name no other test uses. */
export async function createTestBucket(client: S3Client): Promise<string> {
  bucketCount += 1;
  const bucket = `strata-contract-${process.pid}-${Date.now().toString(36)}-${bucketCount}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
