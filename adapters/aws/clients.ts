/**
 * SDK clients for the AWS adapters, configured the same way for every service.
 *
 * Credentials and region come from the standard AWS SDK chain (environment, shared config and
 * credentials files, `AWS_PROFILE`, SSO, container and instance roles), and the endpoint from
 * `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` when set — so one binary talks to AWS,
 * LocalStack or the test emulators. What this module adds is what a production adapter needs on
 * top: a connection timeout short enough that an unreachable endpoint fails in seconds instead of
 * hanging, adaptive retries so that a throttled burst (503 SlowDown,
 * ProvisionedThroughputExceeded) completes but an unreachable endpoint is given up after a few
 * attempts (retry-strategy.ts), and path-style S3 addressing for custom endpoints.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { StrataRetryStrategy } from './retry-strategy.ts';

export interface AwsClientOptions {
  /** @default - the SDK chain (`AWS_REGION`, the profile's region) */
  readonly region?: string;
  /** A custom endpoint (LocalStack, an emulator). @default - the SDK chain, then AWS itself */
  readonly endpoint?: string;
  /** A named profile from the shared config files. @default - the SDK chain (`AWS_PROFILE`) */
  readonly profile?: string;
  /** Static credentials (emulators). @default - the SDK chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * Attempts per request, counting the first. Throttling backs off adaptively between them.
   * @default - `AWS_MAX_ATTEMPTS` when set, else 10
   */
  readonly maxAttempts?: number;
  /** Attempts per call while the endpoint cannot be reached at all (refused, unknown host). @default 3 */
  readonly unreachableAttempts?: number;
  /** How long to wait for a TCP connection before the attempt fails. @default 3000 */
  readonly connectionTimeoutMs?: number;
  /** How long a request's socket may stay idle before the attempt fails. @default 60000 */
  readonly requestTimeoutMs?: number;
  /**
   * S3 only: when the SDK adds a checksum to a request that does not ask for one. Emulators that
   * store the aws-chunked framing of streamed bodies inside the object (s3rver) need
   * 'WHEN_REQUIRED'; AWS itself should keep the default.
   * @default 'WHEN_SUPPORTED'
   */
  readonly requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
}

/** The configuration every client shares. */
export function awsClientConfig(options: AwsClientOptions = {}) {
  const maxAttempts = options.maxAttempts ?? maxAttemptsFromEnvironment() ?? 10;
  return {
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    maxAttempts,
    retryStrategy: new StrataRetryStrategy({
      maxAttempts,
      unreachableAttempts: Math.min(options.unreachableAttempts ?? 3, maxAttempts),
    }),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      // An idle socket (a half-open connection after a NAT or load balancer dropped it) fails the
      // attempt, which is then retried. (`requestTimeout` would be a whole-request deadline, which
      // a large S3 transfer may rightly exceed.)
      socketTimeout: options.requestTimeoutMs ?? 60_000,
    }),
  } as const;
}

export function createS3Client(options: AwsClientOptions = {}): S3Client {
  // Custom endpoints (LocalStack, emulators) serve buckets by path, not by virtual host name.
  const endpoint = [options.endpoint, process.env.AWS_ENDPOINT_URL_S3, process.env.AWS_ENDPOINT_URL].find(
    (url) => url !== undefined && url !== '',
  );
  return new S3Client({
    ...awsClientConfig(options),
    forcePathStyle: endpoint !== undefined,
    ...(options.requestChecksumCalculation !== undefined
      ? { requestChecksumCalculation: options.requestChecksumCalculation }
      : {}),
  });
}

export function createDynamoDbClient(options: AwsClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(awsClientConfig(options));
}

export function createEventBridgeClient(options: AwsClientOptions = {}): EventBridgeClient {
  return new EventBridgeClient(awsClientConfig(options));
}

/** `AWS_MAX_ATTEMPTS`, the SDK's own setting, when it holds a whole number ≥ 1. */
function maxAttemptsFromEnvironment(): number | undefined {
  const text = process.env.AWS_MAX_ATTEMPTS;
  const attempts = text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
  return attempts !== undefined && attempts >= 1 ? attempts : undefined;
}
