/**
 * Which S3 API operation a path-style request to the emulator is (`/bucket/key?query`), told
 * apart by method, path and query as S3's REST API defines them.
 */
import type { IncomingMessage } from 'node:http';

/** The S3 API operations the emulator tells apart, for faults and counts. */
export type S3Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'ListObjectsV2'
  | 'ListObjects'
  | 'DeleteObjects'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'PutBucketLifecycleConfiguration'
  | 'GetBucketLifecycleConfiguration'
  | 'Other';

export interface S3Request {
  readonly operation: S3Operation;
  readonly bucket: string;
  readonly key: string;
  readonly query: URLSearchParams;
  /** The path S3 names in its error answers: '/bucket/key'. */
  readonly resource: string;
}

/** Tells the operation of a path-style request, as S3's REST API defines them. */
export function describeRequest(req: IncomingMessage): S3Request {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const path = url.pathname.slice(1);
  const slash = path.indexOf('/');
  const bucket = decodeURIComponent(slash === -1 ? path : path.slice(0, slash));
  const key = slash === -1 ? '' : decodeURIComponent(path.slice(slash + 1));
  const query = url.searchParams;
  const resource = `/${bucket}${key === '' ? '' : `/${key}`}`;
  return { operation: operationOf(req, bucket, key, query), bucket, key, query, resource };
}

const BUCKET_OPERATIONS: Partial<Record<string, S3Operation>> = {
  PUT: 'CreateBucket',
  HEAD: 'HeadBucket',
  DELETE: 'DeleteBucket',
};

function operationOf(req: IncomingMessage, bucket: string, key: string, query: URLSearchParams): S3Operation {
  const method = req.method ?? 'GET';
  if (bucket === '') return method === 'GET' ? 'ListBuckets' : 'Other';
  const upload = query.has('uploadId');
  if (key === '') {
    if (query.has('lifecycle')) {
      if (method === 'PUT') return 'PutBucketLifecycleConfiguration';
      if (method === 'GET') return 'GetBucketLifecycleConfiguration';
    }
    if (method === 'GET') return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (method === 'POST') return query.has('delete') ? 'DeleteObjects' : 'Other';
    return BUCKET_OPERATIONS[method] ?? 'Other';
  }
  if (method === 'PUT') {
    if (upload) return 'UploadPart';
    return 'x-amz-copy-source' in req.headers ? 'CopyObject' : 'PutObject';
  }
  if (method === 'POST') {
    if (query.has('uploads')) return 'CreateMultipartUpload';
    return upload ? 'CompleteMultipartUpload' : 'Other';
  }
  if (method === 'DELETE') return upload ? 'AbortMultipartUpload' : 'DeleteObject';
  return method === 'HEAD' ? 'HeadObject' : 'GetObject';
}
