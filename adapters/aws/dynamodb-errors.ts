/**
 * Translation of DynamoDB SDK failures into domain errors (versioning/errors.ts), so that no SDK
 * type leaves the adapter. Each message names the table, the operation, where the table was looked
 * for, and what to do. ConditionalCheckFailedException is not translated here: the store answers
 * it with `false`, as the port requires.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  InvalidArgumentError,
  NotFoundError,
  type StrataError,
  UnavailableError,
} from '../../versioning/errors.ts';
import { createKvTableCommandLine } from './dynamodb-table.ts';

/** Where the table lives, as far as the client's configuration tells. */
export interface DynamoDbTarget {
  readonly table: string;
  readonly region: string | undefined;
  /** The endpoint requests go to: a custom one, or AWS's regional endpoint. */
  readonly endpoint: string;
  /** Whether `endpoint` was configured (emulator, LocalStack) rather than AWS's own. */
  readonly customEndpoint: boolean;
}

/** The failed call: the DynamoDB API operation and what the store was doing, for messages. */
export interface DynamoDbCall {
  readonly operation: string;
  readonly doing: string;
}

/** Region and endpoint from the client's configuration, for error messages. */
export async function resolveTarget(client: DynamoDBClient, table: string): Promise<DynamoDbTarget> {
  const region = await client.config.region().catch(() => undefined);
  const configured = await client.config.endpoint?.().catch(() => undefined);
  const fromEnvironment = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;
  const custom =
    configured !== undefined
      ? `${configured.protocol}//${configured.hostname}${configured.port !== undefined ? `:${configured.port}` : ''}${configured.path === '/' ? '' : configured.path}`
      : fromEnvironment;
  const endpoint = custom ?? `https://dynamodb.${region ?? '<region>'}.amazonaws.com`;
  return { table, region, endpoint, customEndpoint: custom !== undefined };
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
]);

const CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const NETWORK_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'NetworkingError',
]);

/** The domain error for an SDK or network failure of `call` against `target`. */
export function dynamoDbFailure(error: unknown, call: DynamoDbCall, target: DynamoDbTarget): StrataError {
  const options = { cause: error };
  const { table } = target;
  const where = describeTarget(target);
  if (!(error instanceof Error)) {
    return new UnavailableError(
      `cannot ${call.doing} in DynamoDB table ${table} (${where}): ${String(error)}`,
      options,
    );
  }
  const name = error.name;
  const message = error.message;
  if (name === 'ResourceNotFoundException') {
    const command = createKvTableCommandLine(table, {
      ...(target.region !== undefined ? { region: target.region } : {}),
      ...(target.customEndpoint ? { endpoint: target.endpoint } : {}),
    });
    return new NotFoundError(
      `DynamoDB table ${table} does not exist (${where}): create it with 'strata aws init', ` +
        `deploy the Strata CDK stack, or run: ${command}`,
      options,
    );
  }
  if (name === 'AccessDeniedException') {
    const resource =
      resourceIn(message) ??
      `table ${table} (arn:aws:dynamodb:${target.region ?? '<region>'}:<account>:table/${table})`;
    return new UnavailableError(
      `access denied: this identity may not call dynamodb:${call.operation} on ${resource}, so Strata cannot ${call.doing}; ` +
        `grant dynamodb:${call.operation} on the table (the Strata CDK stack's grant methods list every action needed)`,
      options,
    );
  }
  if (CREDENTIALS.has(name)) {
    return new UnavailableError(
      `DynamoDB (${where}) refused this identity's credentials (${name}: ${message}), so Strata cannot ${call.doing}; ` +
        'check AWS_PROFILE / AWS_ACCESS_KEY_ID, or sign in again (aws sso login)',
      options,
    );
  }
  if (name === 'ValidationException') {
    return new InvalidArgumentError(
      `DynamoDB refused to ${call.doing} in table ${table}: ${message}`,
      options,
    );
  }
  if (THROTTLING.has(name)) {
    return new UnavailableError(
      `DynamoDB kept throttling dynamodb:${call.operation} on table ${table} after ${attemptsOf(error)} attempts, so Strata cannot ${call.doing}; ` +
        'retry later, or raise the table’s capacity (on-demand tables: its maximum throughput)',
      options,
    );
  }
  if (isNetworkFailure(error)) {
    return new UnavailableError(
      `cannot reach DynamoDB at ${target.endpoint} to ${call.doing} (${message || name}); ` +
        'check the endpoint, the network and the region',
      options,
    );
  }
  const status = statusOf(error);
  const detail = status !== undefined ? `${name} (HTTP ${status})` : name;
  return new UnavailableError(
    `DynamoDB (${where}) failed to ${call.doing} in table ${table}: ${detail}: ${message}`,
    options,
  );
}

function describeTarget(target: DynamoDbTarget): string {
  const region = target.region !== undefined ? `region ${target.region}` : 'no region configured';
  return target.customEndpoint ? `${region}, endpoint ${target.endpoint}` : region;
}

/** The resource ARN in an AWS access-denied message ("… on resource: arn:…"). */
function resourceIn(message: string): string | undefined {
  return /on resource:? (arn:\S+?)(?:[\s,]|$)/.exec(message)?.[1];
}

function isNetworkFailure(error: Error): boolean {
  if (NETWORK_NAMES.has(error.name)) return true;
  const code = 'code' in error ? error.code : undefined;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  // Node wraps the socket failure of a fetch-like request in `cause`.
  const cause = error.cause;
  return cause instanceof Error && cause !== error && isNetworkFailure(cause);
}

function metadataOf(error: Error): Record<string, unknown> | undefined {
  const metadata = '$metadata' in error ? error.$metadata : undefined;
  return typeof metadata === 'object' && metadata !== null ? { ...metadata } : undefined;
}

function attemptsOf(error: Error): number | string {
  const attempts = metadataOf(error)?.attempts;
  return typeof attempts === 'number' ? attempts : 'several';
}

function statusOf(error: Error): number | undefined {
  const status = metadataOf(error)?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}
