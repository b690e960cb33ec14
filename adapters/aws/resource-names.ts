/**
 * The naming rules of the AWS resources Strata uses, in one place and free of SDK imports, so that
 * the adapters and the CLI (which checks a context before any AWS code is loaded) refuse the same
 * names with the same words. `what` names the value in the message ('S3 bucket name',
 * 'S3ObjectStoreProps.bucket').
 */
import { InvalidArgumentError } from '../../versioning/errors.ts';

/** S3's rules for new buckets; names shaped like an IP address and '..' are refused too. */
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export function assertBucketName(name: string, what: string): void {
  if (!BUCKET_NAME.test(name)) {
    throw new InvalidArgumentError(
      `invalid ${what} ${JSON.stringify(name)}: S3 bucket names are 3–63 lowercase letters, digits, dots and ` +
        "hyphens, starting and ending with a letter or digit, such as 'my-strata-data'",
    );
  }
}

export function assertTableName(name: string, what: string): void {
  if (!TABLE_NAME.test(name)) {
    throw new InvalidArgumentError(
      `invalid ${what} ${JSON.stringify(name)}: DynamoDB table names are 3–255 characters of A–Z, a–z, 0–9, '_', '-' and '.', such as 'strata-kv'`,
    );
  }
}
