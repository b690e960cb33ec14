/**
 * Translation of S3 failures into domain errors (versioning/errors.ts), so that no SDK type leaves
 * the S3 adapter. S3's own answers are decided here — a missing object or bucket, a failed
 * `If-None-Match`, an unsatisfiable range, a body that failed its checksum — and everything else
 * (unreachable endpoint, throttling past the retries, refused identity) by aws-errors.ts.
 *
 * Rules:
 * - A missing object names the store's key; a missing bucket names the bucket and how to create it.
 * - Refused access names the IAM action and the resource ARN (`arn:aws:s3:::bucket/key`).
 * - A checksum mismatch is CorruptDataError: the bytes are never handed on.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CorruptDataError,
  isStrataError,
  NotFoundError,
  type StrataError,
  UnavailableError,
} from '../../versioning/errors.ts';
import { awsErrorFacts, describeAwsFailure, endpointOf } from './aws-errors.ts';

/** The IAM actions the S3 adapter's calls need. */
export type S3Action =
  | 's3:GetObject'
  | 's3:PutObject'
  | 's3:DeleteObject'
  | 's3:ListBucket'
  | 's3:CreateBucket'
  | 's3:PutLifecycleConfiguration';

/** The endpoint an S3 client sends to, for messages. */
export function s3EndpointOf(client: S3Client): Promise<string> {
  return endpointOf(client.config, 'S3', (region) =>
    region === '<region>' ? 'https://s3.amazonaws.com' : `https://s3.${region}.amazonaws.com`,
  );
}

/** One failed S3 call, described for messages. */
export interface S3Call {
  readonly action: S3Action;
  /** What the call was for, read after "cannot": 'read object packs/ab/x'. */
  readonly doing: string;
  readonly bucket: string;
  /** The object's key in the bucket (prefix included); absent for bucket-level calls. */
  readonly objectKey?: string;
  /** The store's own key, named when an object is missing or corrupt. */
  readonly key?: string;
  /** The endpoint URL the client sends to. */
  readonly endpoint: string;
}

/** `If-None-Match: *` failed: the key already exists (412). */
export function isPreconditionFailed(error: unknown): boolean {
  const { code, status } = awsErrorFacts(error);
  return code === 'PreconditionFailed' || status === 412;
}

/**
 * A conditional write raced a conflicting operation on the same key (409): S3 decided nothing, and
 * says to send the write again (for a multipart upload: to start the upload again).
 */
export function isConditionalWriteConflict(error: unknown): boolean {
  const { code, status } = awsErrorFacts(error);
  // OperationAborted (409) is the older name of the same answer: "a conflicting conditional
  // operation is currently in progress against this resource; please try again".
  return (
    code === 'ConditionalRequestConflict' ||
    code === 'OperationAborted' ||
    (status === 409 && code === undefined)
  );
}

/** S3 received other bytes than the request's checksum describes: they changed on the way. */
export function isDamagedInTransit(error: unknown): boolean {
  const code = awsErrorFacts(error).code;
  return code === 'BadDigest' || code === 'XAmzContentSHA256Mismatch';
}

/**
 * The object is absent: NoSuchKey, or a 404 without a body (HEAD), which cannot say more. Other
 * 404s (NoSuchUpload, NoSuchBucket) are about something else.
 */
export function isMissingObject(error: unknown): boolean {
  const { code, status } = awsErrorFacts(error);
  return code === 'NoSuchKey' || (status === 404 && (code === undefined || code === 'NotFound'));
}

/** The multipart upload a request names no longer exists (completed or aborted). */
export function isUploadGone(error: unknown): boolean {
  return awsErrorFacts(error).code === 'NoSuchUpload';
}

export function isMissingBucket(error: unknown): boolean {
  return awsErrorFacts(error).code === 'NoSuchBucket';
}

/** HeadBucket's answer for an absent bucket: a bodiless 404 (the SDK names it NotFound). */
export function isAbsentOnHeadBucket(error: unknown): boolean {
  return isMissingBucket(error) || awsErrorFacts(error).status === 404;
}

/** The range starts at or past the end of the object (416 InvalidRange). */
export function isUnsatisfiableRange(error: unknown): boolean {
  const { code, status } = awsErrorFacts(error);
  return code === 'InvalidRange' || status === 416;
}

/** The SDK's response-checksum validation found a body that does not match S3's checksum. */
export function isChecksumMismatch(error: unknown): boolean {
  return error instanceof Error && /^Checksum mismatch\b/.test(error.message);
}

/** The NotFoundError for a bucket that does not exist, with how to create it. */
export function missingBucketError(bucket: string, endpoint: string, cause?: unknown): NotFoundError {
  return new NotFoundError(
    `S3 bucket ${bucket} does not exist (at ${endpoint}): create it with 'strata aws init', ` +
      `'aws s3 mb s3://${bucket}', or by deploying the Strata CDK stack`,
    cause !== undefined ? { cause } : undefined,
  );
}

/** The domain error for a failed S3 call. */
export function s3Failure(error: unknown, call: S3Call): StrataError {
  if (isStrataError(error)) return error;
  const options = { cause: error };
  const key = call.key ?? call.objectKey;
  if (isMissingBucket(error)) return missingBucketError(call.bucket, call.endpoint, error);
  if (key !== undefined && isMissingObject(error)) {
    return new NotFoundError(`object ${key} does not exist`, options);
  }
  if (isChecksumMismatch(error)) {
    return new CorruptDataError(
      `object ${key ?? '(unknown)'} in S3 bucket ${call.bucket} did not match its SHA-256 checksum when read, ` +
        `so its bytes were not used (${error instanceof Error ? error.message : String(error)}); read it again, ` +
        'and if it fails again the stored object is damaged',
      options,
    );
  }
  if (isDamagedInTransit(error)) {
    return new UnavailableError(
      `cannot ${call.doing}: S3 kept receiving other bytes than were sent (${awsErrorFacts(error).code}), also when ` +
        'they were sent again, so nothing was stored; something between here and S3 (a proxy, a faulty network ' +
        'card) is altering requests',
      options,
    );
  }
  if (isConditionalWriteConflict(error)) {
    return new UnavailableError(
      `cannot ${call.doing}: S3 kept answering 409 ConditionalRequestConflict, also when the write was sent ` +
        'again: other operations on the same key (such as deletes) are racing it; try again later',
      options,
    );
  }
  const resource =
    call.objectKey !== undefined
      ? `arn:aws:s3:::${call.bucket}/${call.objectKey}`
      : `arn:aws:s3:::${call.bucket}`;
  // Without s3:ListBucket, S3 answers a read of a missing object with 403 instead of 404.
  const accessNote =
    call.action === 's3:GetObject'
      ? `; S3 also answers 403 for a missing object when s3:ListBucket on arn:aws:s3:::${call.bucket} is not allowed`
      : undefined;
  return describeAwsFailure(error, {
    service: 'S3',
    action: call.action,
    resource,
    doing: call.doing,
    endpoint: call.endpoint,
    ...(accessNote !== undefined ? { accessNote } : {}),
  });
}
