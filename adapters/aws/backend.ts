/**
 * The AWS backend, wired: objects in one S3 bucket (under an optional key prefix), the commit
 * graph and every other small record in one DynamoDB table, values too big for an item spilled
 * to the bucket. `initAwsBackend` creates the bucket and the table when they are missing, the same
 * table the CDK stack declares (dynamodb-kv-store.ts holds its definition).
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BucketAlreadyOwnedByYou,
  BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import type { KvStore, ObjectStore } from '../../versioning/ports.ts';
import {
  type AwsClientOptions,
  createDynamoDbClient,
  createEventBridgeClient,
  createS3Client,
} from './clients.ts';
import { DynamoDbKvStore, ensureKvTable } from './dynamodb-kv-store.ts';
import { ensureEventBus } from './eventbridge-bus-setup.ts';
import { isAbsentOnHeadBucket, type S3Action, s3EndpointOf, s3Failure } from './s3-errors.ts';
import { S3ObjectStore } from './s3-object-store.ts';

export interface AwsBackendSettings extends AwsClientOptions {
  readonly bucket: string;
  readonly table: string;
  /** Every object key starts with this. @default '' */
  readonly prefix?: string;
  /** An endpoint per service, over `endpoint` (emulators each have their own). @default - `endpoint` */
  readonly endpoints?: { readonly s3?: string; readonly dynamodb?: string };
}

function clientsFor(settings: AwsBackendSettings) {
  const endpoint = (own: string | undefined) => {
    const chosen = own ?? settings.endpoint;
    return chosen !== undefined ? { endpoint: chosen } : {};
  };
  return {
    s3: createS3Client({ ...settings, ...endpoint(settings.endpoints?.s3) }),
    dynamodb: createDynamoDbClient({ ...settings, ...endpoint(settings.endpoints?.dynamodb) }),
  };
}

export interface AwsBackend {
  readonly objects: ObjectStore;
  readonly kv: KvStore;
  /** The SDK clients the stores use, for instrumentation (request counting middleware). */
  readonly clients: { readonly s3: S3Client; readonly dynamodb: DynamoDBClient };
  close(): void;
}

export function openAwsBackend(settings: AwsBackendSettings): AwsBackend {
  const { s3, dynamodb } = clientsFor(settings);
  const objects = new S3ObjectStore({
    client: s3,
    bucket: settings.bucket,
    ...(settings.prefix ? { prefix: settings.prefix } : {}),
  });
  const kv = new DynamoDbKvStore({ client: dynamodb, table: settings.table, spill: objects });
  return {
    objects,
    kv,
    clients: { s3, dynamodb },
    close: () => {
      s3.destroy();
      dynamodb.destroy();
    },
  };
}

/** What `initAwsBackend` found and did. */
export interface AwsInitResult {
  readonly bucket: {
    readonly name: string;
    readonly created: boolean;
    /**
     * The lifecycle rule that aborts multipart uploads left incomplete for a day (a crashed
     * writer's parts are otherwise billed for ever): 'set' on a bucket this call created,
     * 'left as is' on an existing bucket (setting it would replace the bucket's own rules),
     * 'unsupported' where the endpoint does not implement lifecycle configurations.
     */
    readonly lifecycle: 'set' | 'left as is' | 'unsupported';
  };
  readonly table: { readonly name: string; readonly created: boolean };
  /** The EventBridge bus, when the settings name one. */
  readonly eventBus?: { readonly name: string; readonly created: boolean };
}

/** The rule `strata aws init` puts on a bucket it creates. */
export const ABORT_INCOMPLETE_UPLOADS_RULE = {
  ID: 'strata-abort-incomplete-multipart-uploads',
  Status: 'Enabled',
  Filter: { Prefix: '' },
  AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
} as const;

/**
 * Creates the bucket, the table and (when named) the EventBridge bus when missing; leaves
 * existing ones as they are.
 */
export async function initAwsBackend(
  settings: AwsBackendSettings & { readonly eventBus?: string },
): Promise<AwsInitResult> {
  const { s3, dynamodb } = clientsFor(settings);
  const events = settings.eventBus !== undefined ? createEventBridgeClient(settings) : undefined;
  try {
    const bucketCreated = await ensureBucket(s3, settings.bucket);
    const lifecycle = bucketCreated ? await abortIncompleteUploads(s3, settings.bucket) : 'left as is';
    const tableCreated = await ensureKvTable(dynamodb, settings.table);
    const bus =
      events !== undefined && settings.eventBus !== undefined
        ? { name: settings.eventBus, created: await ensureEventBus(events, settings.eventBus) }
        : undefined;
    return {
      bucket: { name: settings.bucket, created: bucketCreated, lifecycle },
      table: { name: settings.table, created: tableCreated },
      ...(bus !== undefined ? { eventBus: bus } : {}),
    };
  } finally {
    s3.destroy();
    dynamodb.destroy();
    events?.destroy();
  }
}

async function ensureBucket(client: S3Client, bucket: string): Promise<boolean> {
  const failure = async (error: unknown, action: S3Action, doing: string) =>
    s3Failure(error, { action, doing, bucket, endpoint: await s3EndpointOf(client) });
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return false;
  } catch (error) {
    if (!isAbsentOnHeadBucket(error)) throw await failure(error, 's3:ListBucket', `check bucket ${bucket}`);
  }
  const region = await client.config.region();
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the one region that must not be named as a location constraint.
        ...(region !== 'us-east-1'
          ? { CreateBucketConfiguration: { LocationConstraint: locationOf(region) } }
          : {}),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof BucketAlreadyOwnedByYou) return false;
    throw await failure(error, 's3:CreateBucket', `create bucket ${bucket}`);
  }
}

async function abortIncompleteUploads(client: S3Client, bucket: string): Promise<'set' | 'unsupported'> {
  try {
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: [ABORT_INCOMPLETE_UPLOADS_RULE] },
      }),
    );
    return 'set';
  } catch (error) {
    if (error instanceof Error && error.name === 'NotImplemented') return 'unsupported';
    throw s3Failure(error, {
      action: 's3:PutLifecycleConfiguration',
      doing: `set the lifecycle rule of bucket ${bucket}`,
      bucket,
      endpoint: await s3EndpointOf(client),
    });
  }
}

function locationOf(region: string): BucketLocationConstraint {
  if (!isLocationConstraint(region)) {
    throw new InvalidArgumentError(
      `cannot create a bucket in region ${JSON.stringify(region)}: this SDK knows no such location; create the bucket yourself`,
    );
  }
  return region;
}

function isLocationConstraint(region: string): region is BucketLocationConstraint {
  return Object.values<string>(BucketLocationConstraint).includes(region);
}
