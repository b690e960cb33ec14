/**
 * The ObjectStore port on Amazon S3, or anything that speaks its API (LocalStack, the test
 * emulator in test/harness/aws/s3-emulator.ts).
 *
 * Rules it keeps:
 * - An object is written once. Every put carries `If-None-Match: *`, so S3 decides which of
 *   several concurrent writers wins; the losers get 412 PreconditionFailed and answer `false`.
 *   S3 answers 409 ConditionalRequestConflict when a conflicting operation (a delete) raced the
 *   write and nothing was decided: the write is then sent again, a few times, until S3 says yes
 *   or no.
 * - An object above `multipartThreshold` goes up in parts, `queueSize` at a time, through
 *   @aws-sdk/lib-storage, with the same condition on CompleteMultipartUpload: it appears whole or
 *   not at all, and a failed or losing upload is aborted so no parts are left behind (or billed).
 *   The parts are views of the caller's bytes, so memory stays at one copy of the object.
 * - Every write carries SHA-256 checksums, which S3 checks on arrival (400 BadDigest: the bytes
 *   changed on the way and nothing was stored, so the write is sent again), and the object's
 *   SHA-256 is kept in its metadata (`x-amz-meta-strata-sha256`). A whole-object read asks for S3's checksum
 *   (`ChecksumMode: ENABLED`: the SDK checks the body against it as it streams) and then checks the
 *   digest, which also covers multipart objects, whose S3 checksum is a checksum of the parts'
 *   checksums that the SDK cannot check. Any mismatch is CorruptDataError; wrong bytes are never
 *   returned. Ranged reads are not checked here: the domain verifies each chunk's hash itself.
 * - Key layout: the store's key `nodes/ab/<hash>` is the S3 key `<prefix>nodes/ab/<hash>`.
 *   Strata's keys already start with their kind and a two-hex-character fan-out (`packs/ab/…`,
 *   `nodes/ab/…`), which is how S3 spreads load: it scales request rates per key prefix (about
 *   3,500 writes and 5,500 reads per second each), so no further layer is added here.
 * - Listings come from ListObjectsV2, whose UTF-8 byte order is the port's order.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  CorruptDataError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '../../versioning/errors.ts';
import type { ByteRange, ListOptions, ObjectInfo, ObjectStore, Page } from '../../versioning/ports.ts';
import { assertKeyPrefix, assertRangeWithin, assertStorageKey, pageLimit } from '../storage-rules.ts';
import { assertBucketName } from './resource-names.ts';
import {
  isConditionalWriteConflict,
  isDamagedInTransit,
  isMissingBucket,
  isMissingObject,
  isPreconditionFailed,
  isUnsatisfiableRange,
  isUploadGone,
  missingBucketError,
  type S3Action,
  s3EndpointOf,
  s3Failure,
} from './s3-errors.ts';

export interface S3ObjectStoreProps {
  readonly client: S3Client;
  readonly bucket: string;
  /** Put in front of every key inside the bucket, such as 'strata/'. @default '' */
  readonly prefix?: string;
  /** Objects larger than this many bytes are uploaded in parts. @default 16 MiB */
  readonly multipartThreshold?: number;
  /** The size of each part of a multipart upload, at least 5 MiB (S3's minimum). @default 8 MiB */
  readonly partSize?: number;
  /** How many parts of one object are uploaded at the same time. @default 4 */
  readonly queueSize?: number;
}

const MiB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MiB;
/** S3's largest single PUT. */
const MAX_SINGLE_PUT = 5 * 1024 * MiB;
/** The metadata entry holding the object's SHA-256 (base64), sent as `x-amz-meta-strata-sha256`. */
const DIGEST_METADATA = 'strata-sha256';
/** How often a put is sent again after an answer that says nothing was stored (409, BadDigest). */
const WRITE_RETRIES = 5;
/** S3 returns at most this many keys per ListObjectsV2 call. */
const MAX_KEYS = 1000;
/** S3's longest key, in bytes (keys here are ASCII: one byte per character). */
const MAX_KEY_LENGTH = 1024;
/** S3's most parts per multipart upload. */
const MAX_PARTS = 10_000;

export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;
  readonly #multipartThreshold: number;
  readonly #partSize: number;
  readonly #queueSize: number;
  #endpoint: Promise<string> | undefined;
  /** Set once HeadBucket has shown the bucket exists, so absent objects need no second look. */
  #bucketSeen = false;

  constructor(props: S3ObjectStoreProps) {
    this.#client = props.client;
    assertBucketName(props.bucket, 'S3ObjectStoreProps.bucket');
    this.bucket = props.bucket;
    this.prefix = props.prefix ?? '';
    if (!/^[\x21-\x7e]*$/.test(this.prefix)) {
      throw new InvalidArgumentError(
        `invalid S3ObjectStoreProps.prefix ${JSON.stringify(this.prefix)}: use printable ASCII without spaces, such as 'strata/'`,
      );
    }
    this.#partSize = checkedSize('partSize', props.partSize ?? 8 * MiB, MIN_PART_SIZE, MAX_SINGLE_PUT);
    this.#multipartThreshold = checkedSize(
      'multipartThreshold',
      props.multipartThreshold ?? Math.max(16 * MiB, this.#partSize),
      this.#partSize,
      MAX_SINGLE_PUT,
    );
    this.#queueSize = checkedSize('queueSize', props.queueSize ?? 4, 1, 64);
  }

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    const objectKey = this.#objectKey(key);
    const digest = createHash('sha256').update(bytes).digest('base64');
    const multipart = bytes.byteLength > this.#multipartThreshold;
    // A large put first asks whether the key exists, to spare uploading parts S3 would discard.
    // Only a clear yes counts: the conditional CompleteMultipartUpload decides, and reports any
    // failure (a HEAD is refused with 403 for an absent key when s3:ListBucket is not allowed).
    if (multipart && (await this.head(key).catch(() => undefined)) !== undefined) return false;
    for (let attempt = 1; ; attempt++) {
      try {
        if (multipart) await this.#putInParts(objectKey, bytes, digest);
        else await this.#putWhole(objectKey, bytes, digest);
        return true;
      } catch (error) {
        if (isPreconditionFailed(error)) return false;
        // The upload is gone: an earlier attempt of this call completed it (the SDK retried a
        // CompleteMultipartUpload whose answer was lost), or a lifecycle rule aborted it.
        if (isUploadGone(error) && attempt <= WRITE_RETRIES) {
          if ((await this.head(key))?.size === bytes.byteLength) return true;
          continue;
        }
        const nothingStored = isConditionalWriteConflict(error) || isDamagedInTransit(error);
        if (nothingStored && attempt <= WRITE_RETRIES) {
          await pause(50 * 2 ** attempt * Math.random());
          continue;
        }
        throw await this.#failure(error, 's3:PutObject', `write object ${key}`, key, objectKey);
      }
    }
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const objectKey = this.#objectKey(key);
    if (range !== undefined) return this.#getRange(key, objectKey, range);
    try {
      const answer = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, ChecksumMode: 'ENABLED' }),
      );
      // The SDK checks S3's checksum while the body streams, so a mismatch rejects here.
      const bytes = (await answer.Body?.transformToByteArray()) ?? new Uint8Array(0);
      const expected = answer.Metadata?.[DIGEST_METADATA];
      if (expected !== undefined) {
        const actual = createHash('sha256').update(bytes).digest('base64');
        if (actual !== expected) {
          throw new CorruptDataError(
            `object ${key} in S3 bucket ${this.bucket} does not match the SHA-256 it was written with ` +
              `(stored ${expected}, read ${actual}), so its bytes were not used; if reading it again fails ` +
              'the same way, the stored object is damaged and must be restored or rewritten',
          );
        }
      }
      return bytes;
    } catch (error) {
      throw await this.#failure(error, 's3:GetObject', `read object ${key}`, key, objectKey);
    }
  }

  async head(key: string): Promise<{ size: number } | undefined> {
    const objectKey = this.#objectKey(key);
    try {
      const answer = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return { size: answer.ContentLength ?? 0 };
    } catch (error) {
      if (!isMissingObject(error)) {
        throw await this.#failure(error, 's3:GetObject', `look up object ${key}`, key, objectKey);
      }
    }
    // A HEAD answer has no body, so a missing bucket looks like a missing object: look once.
    await this.#assertBucketExists();
    return undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<Page<ObjectInfo>> {
    assertKeyPrefix(prefix);
    const limit = pageLimit(options.limit);
    const after = options.after;
    try {
      const answer = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          MaxKeys: Math.min(limit, MAX_KEYS),
          ...(after !== undefined && after !== '' ? { StartAfter: this.prefix + after } : {}),
        }),
      );
      const items: ObjectInfo[] = [];
      for (const entry of answer.Contents ?? []) {
        if (entry.Key === undefined || !entry.Key.startsWith(this.prefix)) continue;
        items.push({ key: entry.Key.slice(this.prefix.length), size: entry.Size ?? 0 });
      }
      const last = items.at(-1);
      return answer.IsTruncated === true && last !== undefined ? { items, next: last.key } : { items };
    } catch (error) {
      throw await this.#failure(error, 's3:ListBucket', `list objects under ${JSON.stringify(prefix)}`);
    }
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.#objectKey(key);
    try {
      // S3 answers 204 whether or not the object was there.
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      throw await this.#failure(error, 's3:DeleteObject', `delete object ${key}`, key, objectKey);
    }
  }

  #objectKey(key: string): string {
    assertStorageKey(key);
    const objectKey = this.prefix + key;
    if (objectKey.length > MAX_KEY_LENGTH) {
      throw new InvalidArgumentError(
        `invalid storage key ${JSON.stringify(key)}: with the prefix ${JSON.stringify(this.prefix)} it is ` +
          `${objectKey.length} bytes long, and S3 keys are at most ${MAX_KEY_LENGTH}`,
      );
    }
    return objectKey;
  }

  async #putWhole(objectKey: string, bytes: Uint8Array, digest: string): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        Body: bytes,
        IfNoneMatch: '*',
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: digest,
        Metadata: { [DIGEST_METADATA]: digest },
        ContentType: 'application/octet-stream',
      }),
    );
  }

  /**
   * Uploads in parts. lib-storage passes `IfNoneMatch` on to CompleteMultipartUpload and aborts
   * the upload when a part or the completion fails; each part carries its own SHA-256, so the
   * whole object's digest goes in the metadata, not in `ChecksumSHA256`.
   */
  async #putInParts(objectKey: string, bytes: Uint8Array, digest: string): Promise<void> {
    const upload = new Upload({
      client: this.#client,
      params: {
        Bucket: this.bucket,
        Key: objectKey,
        Body: bytes,
        IfNoneMatch: '*',
        ChecksumAlgorithm: 'SHA256',
        Metadata: { [DIGEST_METADATA]: digest },
        ContentType: 'application/octet-stream',
      },
      partSize: Math.max(this.#partSize, Math.ceil(bytes.byteLength / MAX_PARTS)),
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async #getRange(key: string, objectKey: string, range: ByteRange): Promise<Uint8Array> {
    assertRangeWithin(key, range, Number.MAX_SAFE_INTEGER);
    const { offset, length } = range;
    // HTTP cannot ask for zero bytes, so an empty range is checked against the object's size.
    if (length === 0) {
      assertRangeWithin(key, range, await this.#sizeOf(key));
      return new Uint8Array(0);
    }
    try {
      const answer = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Range: `bytes=${offset}-${offset + length - 1}`,
        }),
      );
      const bytes = (await answer.Body?.transformToByteArray()) ?? new Uint8Array(0);
      if (answer.ContentRange === undefined) {
        // A 200 with the whole object: a server that ignores ranges.
        assertRangeWithin(key, range, bytes.byteLength);
        return bytes.slice(offset, offset + length);
      }
      if (bytes.byteLength === length) return bytes;
      // S3 shortens a range that runs past the end instead of refusing it.
      const size = sizeIn(answer.ContentRange);
      if (size !== undefined) assertRangeWithin(key, range, size);
      throw new UnavailableError(
        `S3 returned ${bytes.byteLength} bytes of object ${key} when asked for ${length} bytes from offset ${offset} ` +
          `(Content-Range: ${answer.ContentRange}); read it again`,
      );
    } catch (error) {
      if (isUnsatisfiableRange(error)) assertRangeWithin(key, range, await this.#sizeOf(key));
      throw await this.#failure(error, 's3:GetObject', `read object ${key}`, key, objectKey);
    }
  }

  async #sizeOf(key: string): Promise<number> {
    const found = await this.head(key);
    if (found === undefined) throw new NotFoundError(`object ${key} does not exist`);
    return found.size;
  }

  async #assertBucketExists(): Promise<void> {
    if (this.#bucketSeen) return;
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      this.#bucketSeen = true;
    } catch (error) {
      if (isMissingObject(error) || isMissingBucket(error))
        throw missingBucketError(this.bucket, await this.#endpointForMessages(), error);
      throw await this.#failure(error, 's3:ListBucket', `look up bucket ${this.bucket}`);
    }
  }

  async #failure(error: unknown, action: S3Action, doing: string, key?: string, objectKey?: string) {
    return s3Failure(error, {
      action,
      doing,
      bucket: this.bucket,
      endpoint: await this.#endpointForMessages(),
      ...(key !== undefined ? { key } : {}),
      ...(objectKey !== undefined ? { objectKey } : {}),
    });
  }

  /** The endpoint named in messages, resolved on the first failure. */
  #endpointForMessages(): Promise<string> {
    this.#endpoint ??= s3EndpointOf(this.#client);
    return this.#endpoint;
  }
}

function checkedSize(prop: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `invalid S3ObjectStoreProps.${prop} ${value}: give a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

/** The object's total size from a Content-Range answer ('bytes 0-9/42'). */
function sizeIn(contentRange: string): number | undefined {
  const total = /\/(\d+)$/.exec(contentRange)?.[1];
  return total === undefined ? undefined : Number(total);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
