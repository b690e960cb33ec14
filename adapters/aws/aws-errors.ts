/**
 * What every AWS adapter needs to say when a call fails for reasons that have nothing to do with
 * the service's own data model: the endpoint could not be reached, the service kept throttling
 * after the client's retries, the identity was refused, no region or credentials were found.
 * Service adapters (s3-errors.ts and its siblings) first translate their own codes — a missing
 * object, a failed condition — and hand everything else to `describeAwsFailure`. The retry
 * strategy (retry-strategy.ts) gives up early on what `isUnreachable` recognises.
 *
 * Rules:
 * - Failures are read from the SDK's error objects without trusting their shape: the error code
 *   (`name` / `Code`), the HTTP status and the attempt count come from `$metadata` when present.
 * - Every message names the endpoint or the resource involved and says what to do next.
 */
import { isStrataError, type StrataError, UnavailableError } from '../../versioning/errors.ts';

/** One failed call, described for messages. */
export interface AwsCall {
  /** The service as people name it: 'S3', 'DynamoDB', 'EventBridge'. */
  readonly service: string;
  /** The IAM action the call needs, e.g. 's3:PutObject'. */
  readonly action: string;
  /** The ARN the action was attempted on. */
  readonly resource: string;
  /** What the call was for, read after "cannot": 'write object packs/ab/x'. */
  readonly doing: string;
  /** The endpoint URL the client sends requests to (see `endpointOf`). */
  readonly endpoint: string;
  /** Appended to a refused-access message: a service's own reason why access may be refused. */
  readonly accessNote?: string;
  /** Appended to a throttling message: a service's own remedy, read after "try again later". */
  readonly throttlingNote?: string;
}

/** The parts of an SDK or socket error that decide what went wrong. */
export interface AwsErrorFacts {
  /** The service's error code ('NoSuchKey', 'SlowDown') or the socket's ('ECONNREFUSED'). */
  readonly code: string | undefined;
  /** The HTTP status of the answer, when there was one. */
  readonly status: number | undefined;
  /** How many attempts the client made, retries included. */
  readonly attempts: number;
  readonly message: string;
}

/** Socket codes that mean the endpoint is not there at all: refused, no such host, no route. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Unreachable, or reached and then lost: a dropped connection or a request that timed out. */
const NETWORK_CODES = new Set([
  ...UNREACHABLE_CODES,
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EADDRNOTAVAIL',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'NetworkingError',
]);

const THROTTLING_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
]);

const ACCESS_DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AllAccessDisabled',
  'Forbidden',
]);

const CREDENTIALS_CODES = new Set([
  'CredentialsProviderError',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidToken',
  'TokenRefreshRequired',
  'RequestExpired',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
]);

/** Reads the code, status and attempt count off whatever the SDK or the socket threw. */
export function awsErrorFacts(error: unknown): AwsErrorFacts {
  const metadata = field(error, '$metadata');
  const status = field(metadata, 'httpStatusCode');
  const attempts = field(metadata, 'attempts');
  return {
    code: errorCode(error),
    status: typeof status === 'number' ? status : undefined,
    attempts: typeof attempts === 'number' ? attempts : 1,
    message: error instanceof Error ? error.message : String(error),
  };
}

/**
 * Whether the call failed on the way to or from the service: the endpoint could not be reached,
 * the connection was dropped, or the request timed out. A superset of `isUnreachable`.
 */
export function isNetworkFailure(error: unknown): boolean {
  return hasCode(error, NETWORK_CODES);
}

/**
 * Whether the endpoint is not there at all (connection refused, unknown host, no route, connect
 * timeout), as opposed to a connection that was made and then lost: retrying the former only
 * delays the answer.
 */
export function isUnreachable(error: unknown): boolean {
  if (hasCode(error, UNREACHABLE_CODES)) return true;
  // The Node HTTP handler's connection timeout surfaces as a TimeoutError naming the connection.
  // (An idle socket's timeout says "timed out after … of inactivity": a connection was made.)
  return (
    error instanceof Error &&
    error.name === 'TimeoutError' &&
    /did not establish a connection/i.test(error.message)
  );
}

/** Whether the service said to slow down (503 SlowDown, 429, ThrottlingException, …). */
export function isThrottling(error: unknown): boolean {
  const { code, status } = awsErrorFacts(error);
  return status === 429 || (code !== undefined && THROTTLING_CODES.has(code));
}

/**
 * The endpoint a client sends to, for messages: the configured one, else the one named by
 * AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL, else AWS's own as `awsDefault` builds it from
 * the region.
 */
export async function endpointOf(
  config: { readonly endpoint?: unknown; readonly region: unknown },
  envService: string,
  awsDefault: (region: string) => string,
): Promise<string> {
  const provider = config.endpoint;
  if (typeof provider === 'function') {
    const endpoint: unknown = await Promise.resolve(provider()).catch(() => undefined);
    const url = urlOf(endpoint);
    if (url !== undefined) return url;
  }
  const fromEnv = process.env[`AWS_ENDPOINT_URL_${envService}`] ?? process.env.AWS_ENDPOINT_URL;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const region: unknown =
    typeof config.region === 'function'
      ? await Promise.resolve(config.region()).catch(() => undefined)
      : config.region;
  return awsDefault(typeof region === 'string' && region !== '' ? region : '<region>');
}

/**
 * The domain error for a failure that is not about the service's data: unreachable endpoint,
 * throttling past the retries, refused identity or credentials, missing region, server errors.
 */
export function describeAwsFailure(error: unknown, call: AwsCall): StrataError {
  if (isStrataError(error)) return error;
  const facts = awsErrorFacts(error);
  const options = { cause: error };
  const after = facts.attempts > 1 ? ` after ${facts.attempts} attempts` : '';
  const detail = describeCode(facts);
  if (isNetworkFailure(error)) {
    return new UnavailableError(
      `cannot ${call.doing}: ${call.service} at ${call.endpoint} could not be reached${after} (${detail}); ` +
        'check that the endpoint is right and that this machine can reach it (network, proxy, VPC endpoint)',
      options,
    );
  }
  if (isThrottling(error)) {
    return new UnavailableError(
      `cannot ${call.doing}: ${call.service} kept throttling ${call.action} on ${call.resource}${after} ` +
        `(${detail}), more than the retries absorb; lower the concurrency or try again later${call.throttlingNote ?? ''}`,
      options,
    );
  }
  // S3 answers bad credentials and clock skew with 403 too: tell them apart from a refused action.
  if (facts.code === 'RequestTimeTooSkewed') {
    return new UnavailableError(
      `cannot ${call.doing}: ${call.service} at ${call.endpoint} refused the request because this machine's clock is off (${detail}); set the clock right (NTP)`,
      options,
    );
  }
  if (facts.code !== undefined && CREDENTIALS_CODES.has(facts.code)) {
    return new UnavailableError(
      `cannot ${call.doing}: ${call.service} at ${call.endpoint} did not accept this identity's credentials ` +
        `(${detail}); check AWS_PROFILE or AWS_ACCESS_KEY_ID, or sign in again (aws sso login)`,
      options,
    );
  }
  if (facts.status === 403 || (facts.code !== undefined && ACCESS_DENIED_CODES.has(facts.code))) {
    // IAM's own message names the exact resource (real account, index or object), where known.
    const resource = resourceNamedIn(facts.message) ?? call.resource;
    return new UnavailableError(
      `cannot ${call.doing}: ${call.service} denied ${call.action} on ${resource} (${detail}); ` +
        `allow ${call.action} on that resource for this identity (IAM policy, bucket or resource policy, SCPs)` +
        (call.accessNote ?? ''),
      options,
    );
  }
  if (/region is missing/i.test(facts.message)) {
    return new UnavailableError(
      `cannot ${call.doing}: no AWS region is configured; set AWS_REGION or the profile's region`,
      options,
    );
  }
  if (facts.status !== undefined && facts.status >= 500) {
    return new UnavailableError(
      `cannot ${call.doing}: ${call.service} at ${call.endpoint} failed${after} (${detail}); try again later`,
      options,
    );
  }
  return new UnavailableError(`cannot ${call.doing}: ${call.service} answered ${detail}`, options);
}

function describeCode({ code, status, message }: AwsErrorFacts): string {
  const head = [code, status !== undefined ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  const text = message !== '' && message !== code && message !== 'UnknownError' ? message : '';
  return [head, text].filter(Boolean).join(': ') || 'no details';
}

/** The service's code (`Code`, else a `name` other than plain 'Error'), else the socket's `code`. */
function errorCode(error: unknown): string | undefined {
  const code = field(error, 'Code');
  if (typeof code === 'string' && code !== '') return code;
  const socketCode = field(error, 'code');
  if (typeof socketCode === 'string' && socketCode !== '') return socketCode;
  // An answer without a body (HEAD) leaves the SDK nothing but 'Unknown'.
  const name = field(error, 'name');
  return typeof name === 'string' && !['', 'Error', 'Unknown'].includes(name) ? name : undefined;
}

/** The resource ARN of an IAM refusal: "… is not authorized to perform: X on resource: arn:…". */
function resourceNamedIn(message: string): string | undefined {
  return /on resource:? "?(arn:[^\s",]+)/.exec(message)?.[1];
}

/** Whether the error's code, or that of the socket failure in its `cause`, is in `codes`. */
function hasCode(error: unknown, codes: ReadonlySet<string>): boolean {
  const code = errorCode(error);
  if (code !== undefined && codes.has(code)) return true;
  // Node puts the socket failure of a wrapped request in `cause`.
  const cause = field(error, 'cause');
  return cause !== undefined && cause !== error && hasCode(cause, codes);
}

function urlOf(endpoint: unknown): string | undefined {
  const protocol = field(endpoint, 'protocol');
  const hostname = field(endpoint, 'hostname');
  if (typeof protocol !== 'string' || typeof hostname !== 'string') return undefined;
  const port = field(endpoint, 'port');
  const path = field(endpoint, 'path');
  const scheme = protocol.endsWith(':') ? protocol : `${protocol}:`;
  return `${scheme}//${hostname}${typeof port === 'number' ? `:${port}` : ''}${typeof path === 'string' && path !== '/' ? path : ''}`;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;
}
