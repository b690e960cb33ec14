/**
 * Both storage emulators at once, for tests (and benchmarks) that run Strata end to end on the
 * AWS adapters: S3 (s3rver behind its fixing proxy) and DynamoDB (DynamoDB Local when Java is
 * present, else dynalite — the start-up line on stderr says which). Each `freshBackend` is a new
 * bucket and table on them, so tests sharing the emulators never see each other's data.
 *
 * The same credentials work on both (s3rver's fixed `S3RVER` key; DynamoDB Local accepts any key
 * of letters and digits), so a Strata process can be pointed at them through the standard SDK
 * environment alone (`awsEnvironment`): AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION
 * and the key pair, exactly as a user would point it at LocalStack or AWS.
 */
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type AwsBackend,
  type AwsBackendSettings,
  initAwsBackend,
  openAwsBackend,
} from '../../../adapters/aws/backend.ts';
import type { AwsClientOptions } from '../../../adapters/aws/clients.ts';
import { dynamoDbClientFor, type RunningDynamoDb, startDynamoDbEmulator } from './dynamodb-emulator.ts';
import { type S3Emulator, s3ClientFor, startS3Emulator } from './s3-emulator.ts';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface AwsEmulators {
  readonly s3: S3Emulator;
  readonly dynamodb: RunningDynamoDb;
  /** Environment variables that point the AWS SDK (and so `strata`) at the emulators. */
  readonly environment: Readonly<Record<string, string>>;
  /** An S3 client on the emulator, for tests that look at what was stored (destroyed on stop). */
  s3Client(): S3Client;
  /** A new, empty bucket and table, opened as the AWS backend; `cleanup` closes and drops them. */
  freshBackend(): Promise<FreshAwsBackend>;
  stop(): Promise<void>;
}

export interface FreshAwsBackend extends AwsBackend {
  readonly settings: AwsBackendSettings;
  cleanup(): Promise<void>;
}

let backends = 0;

export async function startAwsEmulators(): Promise<AwsEmulators> {
  const [s3, dynamodb] = await Promise.all([startS3Emulator(), startDynamoDbEmulator()]);
  const environment = {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    // s3rver would store the aws-chunked framing of a streamed body inside the object.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
  };
  let s3Client: S3Client | undefined;
  return {
    s3,
    dynamodb,
    environment,
    s3Client: () => {
      s3Client ??= s3ClientFor(s3.endpoint);
      return s3Client;
    },
    freshBackend: async () => {
      backends += 1;
      const name = `strata-test-${process.pid}-${backends}`;
      const settings = { bucket: name, table: name };
      const clients: AwsClientOptions = { region: REGION, credentials: CREDENTIALS };
      // Each service has its own emulator: the S3 store and the DynamoDB store get their own endpoint.
      await initAwsBackend({
        ...settings,
        ...clients,
        endpoints: { s3: s3.endpoint, dynamodb: dynamodb.endpoint },
      });
      const backend = openAwsBackend({
        ...settings,
        ...clients,
        endpoints: { s3: s3.endpoint, dynamodb: dynamodb.endpoint },
      });
      return {
        ...backend,
        settings,
        cleanup: async () => {
          backend.close();
          const client = dynamoDbClientFor(dynamodb.endpoint);
          await client.send(new DeleteTableCommand({ TableName: name })).finally(() => client.destroy());
        },
      };
    },
    stop: async () => {
      s3Client?.destroy();
      await Promise.all([s3.stop(), dynamodb.stop()]);
    },
  };
}
