/**
 * S3 for tests: s3rver, in this process and disk-backed in a temporary folder, behind a thin
 * proxy that supplies what s3rver lacks and S3 has, and that can inject faults.
 *
 * What the proxy adds (each found by running s3rver 3.7.1 with the AWS SDK v3):
 * - Conditional writes. s3rver ignores `If-None-Match: *`; the proxy answers PutObject and
 *   CompleteMultipartUpload carrying it with 412 PreconditionFailed when the key exists. It holds
 *   a lock per key from that check until s3rver has answered the write, so concurrent writers of
 *   one key are decided one at a time, as S3 decides them.
 * - ListObjectsV2 without a delimiter. s3rver lists in folder-walk order ('p/a/x' before
 *   'p/a-b'), and fails every truncated page with InternalError on Node ≥ 17 because its
 *   continuation tokens use DES, which OpenSSL 3 refuses. The proxy pages in byte order itself
 *   (s3rver-folder.ts). A listing with a delimiter goes to s3rver unchanged.
 * - AbortMultipartUpload, which s3rver refuses (405): the proxy removes the upload's parts.
 * - Bucket lifecycle configurations (s3rver answers NotImplemented): the proxy keeps the last
 *   one put per bucket and answers GETs of it, so `strata aws init` can be tested.
 * - A GET of the first byte alone (`Range: bytes=0-0`), which s3rver answers with the whole
 *   object (it reads the range's end 0 as "no end"): the proxy answers it from the stored file.
 * - Request checksums. s3rver ignores `x-amz-checksum-sha256`; the proxy answers a PutObject or
 *   UploadPart whose body does not match it with 400 BadDigest, as S3 does.
 * - Faults: `inject()` answers the next matching requests with an S3 error (503 SlowDown,
 *   403 AccessDenied, 409 ConditionalRequestConflict, …), damages their bodies on the way, or
 *   adds headers to s3rver's answer.
 *
 * Gaps that remain: s3rver keeps no `x-amz-checksum-*` values, so reads carry no checksum for the
 * SDK to check (a fault can add one); request checksums other than SHA-256 and those sent as
 * aws-chunked trailers are not checked.
 *
 * Everything runs in the calling process, on ports the system picks: `stop()` closes both servers
 * and removes the folder, and nothing can outlive the process.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type AwsClientOptions, createS3Client } from '../../../adapters/aws/clients.ts';
import { describeRequest, type S3Operation, type S3Request } from './s3-requests.ts';
import { escapeXml, listObjectsV2Xml, storedObjectPath, uploadFolder } from './s3rver-folder.ts';

export type { S3Operation } from './s3-requests.ts';

/** An S3 error answer: the HTTP status and S3's error code. */
export interface S3ErrorAnswer {
  readonly status: number;
  readonly code: string;
  /** @default 'injected <code>' */
  readonly message?: string;
}

/** A fault the proxy applies to the next `times` requests that match it. */
export interface S3Fault {
  /** @default - every operation */
  readonly operation?: S3Operation;
  /** @default 1 */
  readonly times?: number;
  /** Answer with this S3 error instead of passing the request on. */
  readonly error?: S3ErrorAnswer;
  /** Pass the request on, and add these headers to s3rver's answer. */
  readonly responseHeaders?: Readonly<Record<string, string>>;
  /** Flip one byte of the request's body on the way, as a faulty network would. */
  readonly damageRequestBody?: boolean;
}

export interface S3Emulator {
  /** `http://127.0.0.1:<port>` of the proxy: give it to the SDK client. */
  readonly endpoint: string;
  /** The folder s3rver keeps buckets and objects in. */
  readonly dataDir: string;
  /** Applies `fault` to the next matching requests, after any faults already waiting. */
  inject(fault: S3Fault): void;
  /** How many requests for `operation` (or for any) the proxy has received. */
  requestCount(operation?: S3Operation): number;
  /** The file holding an object's bytes, for tests that damage stored data. */
  storedObjectPath(bucket: string, key: string): string;
  stop(): Promise<void>;
}

/** The parts of s3rver (untyped JavaScript) this harness uses. */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  readonly store: {
    getBucket(bucket: string): Promise<unknown>;
    existsObject(bucket: string, key: string): Promise<boolean>;
  };
}
type S3rverOptions = {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  vhostBuckets: boolean;
};
const S3rver: new (options: S3rverOptions) => S3rverServer = createRequire(import.meta.url)('s3rver');

/** Headers that belong to one connection, not to the request; SigV4 never signs them. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'expect', 'proxy-connection', 'upgrade']);

export async function startS3Emulator(options: { faults?: readonly S3Fault[] } = {}): Promise<S3Emulator> {
  const dataDir = await mkdtemp(join(tmpdir(), 'strata-s3rver-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dataDir,
    vhostBuckets: false,
  });
  const { port: upstreamPort } = await s3rver.run();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const faults: { fault: S3Fault; remaining: number }[] = [];
  const counts = new Map<S3Operation, number>();
  const locks = new KeyLocks();
  const lifecycles = new Map<string, string>();
  const inject = (fault: S3Fault) => faults.push({ fault, remaining: fault.times ?? 1 });
  for (const fault of options.faults ?? []) inject(fault);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call = describeRequest(req);
    counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
    const fault = takeFault(faults, call.operation);
    if (fault?.error !== undefined) return answerError(req, res, fault.error, call.resource);
    // S3 refuses a body that does not match the SHA-256 its request carries; s3rver does not check.
    const declared = req.headers['x-amz-checksum-sha256'];
    const checked = typeof declared === 'string' && ['PutObject', 'UploadPart'].includes(call.operation);
    let body: Buffer | undefined;
    if (checked || fault?.damageRequestBody === true) {
      body = Buffer.concat(await req.toArray());
      if (fault?.damageRequestBody === true && body.length > 0) damage(body);
      if (checked && createHash('sha256').update(body).digest('base64') !== declared) {
        return answerError(req, res, BAD_DIGEST, call.resource);
      }
    }
    const forward = () => forwardTo(upstreamPort, agent, req, res, fault?.responseHeaders ?? {}, body);
    switch (call.operation) {
      case 'ListObjectsV2':
        return call.query.has('delimiter') ? forward() : listObjects(call, req, res);
      case 'AbortMultipartUpload':
        return abortUpload(call, req, res);
      case 'PutBucketLifecycleConfiguration':
        lifecycles.set(call.bucket, Buffer.concat(await req.toArray()).toString('utf8'));
        res.writeHead(200, { 'x-amz-request-id': requestId() });
        return void res.end();
      case 'GetBucketLifecycleConfiguration': {
        const xml = lifecycles.get(call.bucket);
        if (xml === undefined) return answerError(req, res, NO_SUCH_LIFECYCLE, call.resource);
        req.resume();
        res.writeHead(200, { 'content-type': 'application/xml', 'x-amz-request-id': requestId() });
        return void res.end(xml);
      }
      case 'GetObject':
        return req.headers.range === 'bytes=0-0' ? firstByte(call, req, res, forward) : forward();
      case 'PutObject':
      case 'CompleteMultipartUpload':
        if (req.headers['if-none-match'] !== '*') return forward();
        return locks.run(`${call.bucket}/${call.key}`, async () => {
          if (!(await s3rver.store.existsObject(call.bucket, call.key))) return forward();
          return answerError(req, res, PRECONDITION_FAILED, call.resource);
        });
      default:
        return forward();
    }
  }

  async function listObjects(call: S3Request, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((await s3rver.store.getBucket(call.bucket)) === null) {
      return answerError(req, res, NO_SUCH_BUCKET, call.resource);
    }
    const maxKeys = Number(call.query.get('max-keys') ?? 1000);
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 0) {
      return answerError(
        req,
        res,
        { status: 400, code: 'InvalidArgument', message: 'invalid max-keys' },
        call.resource,
      );
    }
    const xml = await listObjectsV2Xml(dataDir, call.bucket, call.query);
    res.writeHead(200, { 'content-type': 'application/xml', 'x-amz-request-id': requestId() });
    res.end(xml);
  }

  async function abortUpload(call: S3Request, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const uploadId = call.query.get('uploadId') ?? '';
    if (!/^[0-9a-f]+$/.test(uploadId)) return answerError(req, res, NO_SUCH_UPLOAD, call.resource);
    await rm(uploadFolder(dataDir, call.bucket, uploadId), { recursive: true, force: true });
    req.resume();
    res.writeHead(204, { 'x-amz-request-id': requestId() });
    res.end();
  }

  async function firstByte(
    call: S3Request,
    req: IncomingMessage,
    res: ServerResponse,
    forward: () => Promise<void>,
  ): Promise<void> {
    const file = await open(storedObjectPath(dataDir, call.bucket, call.key)).catch(() => undefined);
    // Absent (or empty: S3 answers 416 then) — s3rver's own answer is right.
    if (file === undefined) return forward();
    try {
      const { size } = await file.stat();
      if (size === 0) return forward();
      const { buffer } = await file.read({ buffer: Buffer.alloc(1), position: 0 });
      req.resume();
      res.writeHead(206, {
        'content-length': '1',
        'content-range': `bytes 0-0/${size}`,
        'accept-ranges': 'bytes',
        'x-amz-request-id': requestId(),
      });
      res.end(buffer);
    } finally {
      await file.close();
    }
  }

  const proxy = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else
        answerError(
          req,
          res,
          { status: 500, code: 'InternalError', message: `proxy: ${String(error)}` },
          '/',
        );
    });
  });
  const port = await listen(proxy);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dataDir,
    inject,
    requestCount: (operation) =>
      operation === undefined
        ? [...counts.values()].reduce((a, b) => a + b, 0)
        : (counts.get(operation) ?? 0),
    storedObjectPath: (bucket, key) => storedObjectPath(dataDir, bucket, key),
    stop: async () => {
      const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
      proxy.closeAllConnections();
      await closed;
      agent.destroy();
      await s3rver.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * An SDK client for the emulator: path-style addressing, s3rver's fixed credentials, and no
 * unrequested checksums (s3rver would store the aws-chunked framing of a streamed body inside the
 * object). `options` overrides the client defaults, e.g. fewer attempts.
 */
export function s3ClientFor(
  endpoint: string,
  options: Pick<AwsClientOptions, 'maxAttempts' | 'connectionTimeoutMs' | 'requestTimeoutMs'> = {},
): S3Client {
  return createS3Client({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...options,
  });
}

/** Creates the bucket; one that exists already is fine (s3rver has one account, which owns all). */
export async function createBucket(client: S3Client, name: string): Promise<void> {
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error;
  }
}

const PRECONDITION_FAILED: S3ErrorAnswer = {
  status: 412,
  code: 'PreconditionFailed',
  message: 'At least one of the pre-conditions you specified did not hold',
};
const NO_SUCH_BUCKET: S3ErrorAnswer = {
  status: 404,
  code: 'NoSuchBucket',
  message: 'The specified bucket does not exist',
};
const BAD_DIGEST: S3ErrorAnswer = {
  status: 400,
  code: 'BadDigest',
  message: 'The sha256 you specified did not match the calculated checksum.',
};
const NO_SUCH_LIFECYCLE: S3ErrorAnswer = {
  status: 404,
  code: 'NoSuchLifecycleConfiguration',
  message: 'The lifecycle configuration does not exist',
};
const NO_SUCH_UPLOAD: S3ErrorAnswer = {
  status: 404,
  code: 'NoSuchUpload',
  message: 'The specified multipart upload does not exist',
};

function takeFault(
  faults: { fault: S3Fault; remaining: number }[],
  operation: S3Operation,
): S3Fault | undefined {
  const waiting = faults.find(
    ({ fault, remaining }) =>
      remaining > 0 && (fault.operation === undefined || fault.operation === operation),
  );
  if (waiting === undefined) return undefined;
  waiting.remaining -= 1;
  return waiting.fault;
}

/** Sends the request on to s3rver unchanged: the SigV4 signature covers its path and host header. */
function forwardTo(
  port: number,
  agent: Agent,
  req: IncomingMessage,
  res: ServerResponse,
  extraHeaders: Readonly<Record<string, string>>,
  body: Buffer | undefined,
): Promise<void> {
  return new Promise((resolve) => {
    const upstream = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: endToEnd(req.headers), agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...endToEnd(answer.headers), ...extraHeaders });
        pipeline(answer, res).then(resolve, () => resolve());
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) res.destroy();
      else
        answerError(
          req,
          res,
          { status: 502, code: 'InternalError', message: `s3rver: ${error.message}` },
          '/',
        );
      resolve();
    });
    if (body !== undefined) upstream.end(body);
    else pipeline(req, upstream).catch(() => upstream.destroy());
  });
}

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

/** Answers with an S3 error document once the request's body has been read. */
function answerError(
  req: IncomingMessage,
  res: ServerResponse,
  error: S3ErrorAnswer,
  resource: string,
): void {
  const id = requestId();
  const message = error.message ?? `injected ${error.code}`;
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(message)}</Message>` +
    `<Resource>${escapeXml(resource)}</Resource><RequestId>${id}</RequestId></Error>`;
  const send = () => {
    if (res.headersSent) return;
    res.writeHead(error.status, { 'content-type': 'application/xml', 'x-amz-request-id': id });
    res.end(xml);
  };
  if (req.readableEnded) send();
  else req.on('end', send).on('error', send).resume();
}

function damage(body: Buffer): void {
  const middle = body.length >> 1;
  body.writeUInt8(body.readUInt8(middle) ^ 0xff, middle);
}

function requestId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase();
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('the proxy has no TCP port'));
      else resolve(address.port);
    });
  });
}

/** Runs tasks for the same name one after another, in the order they arrive. */
class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>();

  async run(name: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#tails.get(name) ?? Promise.resolve();
    const { promise: done, resolve } = Promise.withResolvers<void>();
    const tail = previous.then(() => done);
    this.#tails.set(name, tail);
    await previous;
    try {
      await task();
    } finally {
      resolve();
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    }
  }
}
