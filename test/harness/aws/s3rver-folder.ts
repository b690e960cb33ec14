/**
 * What the S3 emulator's proxy reads straight from s3rver's data folder. s3rver 3.7.1 keeps the
 * object `a/b/c` of a bucket as `<dir>/<bucket>/a/b/c._S3rver_object` (beside `.md5` and
 * `._S3rver_metadata.json` files) and a multipart upload's parts under
 * `<dir>/<bucket>/._S3rver_uploads/<uploadId>/`.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

const OBJECT_SUFFIX = '._S3rver_object';
const UPLOADS_FOLDER = '._S3rver_uploads';

/** S3 returns at most this many keys per ListObjectsV2 page. */
const MAX_KEYS = 1000;

/** The file holding an object's bytes. */
export function storedObjectPath(dataDir: string, bucket: string, key: string): string {
  return join(dataDir, bucket, `${key}${OBJECT_SUFFIX}`);
}

/** The folder holding a multipart upload's parts. */
export function uploadFolder(dataDir: string, bucket: string, uploadId: string): string {
  return join(dataDir, bucket, UPLOADS_FOLDER, uploadId);
}

interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
  readonly etag: string;
}

/**
 * One ListObjectsV2 page as S3 answers it: the keys under `prefix` in byte order, after
 * `start-after` or the continuation token, at most `max-keys` of them, with a continuation token
 * when more remain. Keys are read from the folder directly: s3rver's own listing reads every
 * object's metadata on every page, which made a page of 100 out of 1,600 keys take 200 ms.
 */
export async function listObjectsV2Xml(
  dataDir: string,
  bucket: string,
  query: URLSearchParams,
): Promise<string> {
  const prefix = query.get('prefix') ?? '';
  const maxKeys = Math.min(MAX_KEYS, Number(query.get('max-keys') ?? MAX_KEYS));
  const token = query.get('continuation-token');
  const startAfter = Buffer.from(
    token !== null ? Buffer.from(token, 'base64url').toString() : (query.get('start-after') ?? ''),
  );
  const sorted = (await storedKeys(join(dataDir, bucket), '', prefix))
    .map((key) => ({ key, bytes: Buffer.from(key) }))
    .filter(({ bytes }) => Buffer.compare(bytes, startAfter) > 0)
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  const found = await Promise.all(
    sorted.slice(0, maxKeys).map(({ key }) => describeStored(dataDir, bucket, key)),
  );
  const page = found.filter((object) => object !== undefined);
  const last = page.at(-1);
  const truncated = sorted.length > maxKeys;
  const next = truncated && last !== undefined ? Buffer.from(last.key).toString('base64url') : undefined;
  const contents = page.map(
    (object) =>
      `<Contents>${element('Key', object.key)}${element('LastModified', object.lastModified.toISOString())}` +
      `${element('ETag', object.etag)}${element('Size', object.size)}<StorageClass>STANDARD</StorageClass></Contents>`,
  );
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `${element('Name', bucket)}${element('Prefix', prefix)}${element('StartAfter', query.get('start-after'))}` +
    `${element('ContinuationToken', token)}${element('NextContinuationToken', next)}` +
    `${element('KeyCount', page.length)}${element('MaxKeys', maxKeys)}${element('IsTruncated', String(truncated))}` +
    `${contents.join('')}</ListBucketResult>`
  );
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function element(name: string, value: string | number | null | undefined): string {
  return value === undefined || value === null ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** The keys stored under `folder` (a key prefix ending in '/', or '') that start with `prefix`. */
async function storedKeys(bucketDir: string, folder: string, prefix: string): Promise<string[]> {
  const entries = await readdir(join(bucketDir, folder), { withFileTypes: true }).catch(() => []);
  const keys: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) {
      const sub = `${folder}${entry.name}/`;
      const overlaps = sub.startsWith(prefix) || prefix.startsWith(sub);
      if (overlaps && sub !== `${UPLOADS_FOLDER}/`) keys.push(...(await storedKeys(bucketDir, sub, prefix)));
    } else if (entry.name.endsWith(OBJECT_SUFFIX)) {
      const key = folder + entry.name.slice(0, -OBJECT_SUFFIX.length);
      if (key.startsWith(prefix)) keys.push(key);
    }
  }
  return keys;
}

async function describeStored(
  dataDir: string,
  bucket: string,
  key: string,
): Promise<ListedObject | undefined> {
  const path = storedObjectPath(dataDir, bucket, key);
  try {
    const [stats, md5] = await Promise.all([stat(path), readFile(`${path}.md5`, 'utf8')]);
    return { key, size: stats.size, lastModified: stats.mtime, etag: JSON.stringify(md5.trim()) };
  } catch {
    return undefined; // deleted since its folder was read
  }
}
