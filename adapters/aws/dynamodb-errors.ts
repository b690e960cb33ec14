/**
 * Translation of DynamoDB failures into domain errors (versioning/errors.ts), so that no SDK type
 * leaves the adapter. DynamoDB's own answers are decided here — a missing table, a request it
 * refuses as invalid — and everything else (unreachable endpoint, throttling past the retries,
 * refused identity or credentials) by aws-errors.ts. ConditionalCheckFailedException is not
 * translated here: the store answers it with `false`, as the port requires.
 *
 * Rules:
 * - A missing table names the table, where it was looked for, and the command that creates it.
 * - Refused access names the IAM action (`dynamodb:<Operation>`) and the table's ARN.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  InvalidArgumentError,
  isStrataError,
  NotFoundError,
  type StrataError,
} from '../../versioning/errors.ts';
import { awsErrorFacts, describeAwsFailure, endpointOf } from './aws-errors.ts';
import { createKvTableCommandLine } from './dynamodb-table.ts';

/** Where the table lives, as far as the client's configuration tells. */
export interface DynamoDbTarget {
  readonly table: string;
  readonly region: string | undefined;
  /** The endpoint requests go to: a custom one, or AWS's regional endpoint. */
  readonly endpoint: string;
  /** Whether `endpoint` is another than AWS's own (an emulator, LocalStack). */
  readonly customEndpoint: boolean;
}

/** The failed call, for messages. */
export interface DynamoDbCall {
  /** The DynamoDB API operation ('PutItem'); the IAM action is `dynamodb:<operation>`. */
  readonly operation: string;
  /** What the call was for, read after "cannot": 'read x in table strata-kv'. */
  readonly doing: string;
}

/** Region and endpoint from the client's configuration, for error messages. */
export async function resolveTarget(client: DynamoDBClient, table: string): Promise<DynamoDbTarget> {
  const configured = await Promise.resolve(client.config.region()).catch(() => undefined);
  const region = configured !== undefined && configured !== '' ? configured : undefined;
  const endpoint = await endpointOf(client.config, 'DYNAMODB', awsEndpoint);
  return { table, region, endpoint, customEndpoint: endpoint !== awsEndpoint(region ?? '<region>') };
}

/** The domain error for an SDK or network failure of `call` against `target`. */
export function dynamoDbFailure(error: unknown, call: DynamoDbCall, target: DynamoDbTarget): StrataError {
  if (isStrataError(error)) return error;
  const { table, region } = target;
  const { code, message } = awsErrorFacts(error);
  const options = { cause: error };
  if (code === 'ResourceNotFoundException') {
    const command = createKvTableCommandLine(table, {
      ...(region !== undefined ? { region } : {}),
      ...(target.customEndpoint ? { endpoint: target.endpoint } : {}),
    });
    return new NotFoundError(
      `DynamoDB table ${table} does not exist (${describeTarget(target)}): create it with 'strata aws init', ` +
        `deploy the Strata CDK stack, or run: ${command}`,
      options,
    );
  }
  if (code === 'ValidationException') {
    return new InvalidArgumentError(`DynamoDB refused to ${call.doing}: ${message}`, options);
  }
  return describeAwsFailure(error, {
    service: 'DynamoDB',
    action: `dynamodb:${call.operation}`,
    resource: `arn:aws:dynamodb:${region ?? '<region>'}:<account>:table/${table}`,
    doing: call.doing,
    endpoint: target.endpoint,
    accessNote: "; the Strata CDK stack's grant methods list every action the store needs",
    throttlingNote: ', or raise the table’s capacity (for an on-demand table: its maximum throughput)',
  });
}

function awsEndpoint(region: string): string {
  return `https://dynamodb.${region}.amazonaws.com`;
}

function describeTarget(target: DynamoDbTarget): string {
  const region = target.region !== undefined ? `region ${target.region}` : 'no region configured';
  return target.customEndpoint ? `${region}, endpoint ${target.endpoint}` : region;
}
