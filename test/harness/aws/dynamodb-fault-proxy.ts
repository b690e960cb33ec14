/**
 * An HTTP proxy in front of a DynamoDB emulator that lets a test answer chosen requests itself:
 * with an AWS error (AccessDenied, throttling), or with a rewritten request or response (some
 * batch items left unprocessed). Everything else passes through unchanged. Requests are told
 * apart by their operation, from the `X-Amz-Target` header (`DynamoDB_20120810.PutItem`).
 */
import { createServer, type IncomingMessage } from 'node:http';

export interface ProxiedRequest {
  /** The DynamoDB operation, such as 'PutItem'. */
  readonly operation: string;
  /** The JSON request body. */
  readonly body: string;
}

export interface ProxiedResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * Answers one request: return `forward()` to pass it through, `forward(otherBody)` to send the
 * emulator a changed request, or any response of your own.
 */
export type FaultHandler = (
  request: ProxiedRequest,
  forward: (body?: string) => Promise<ProxiedResponse>,
) => Promise<ProxiedResponse>;

export interface RunningFaultProxy {
  /** `http://127.0.0.1:<port>`: point the client here. */
  readonly endpoint: string;
  /** The operations of every request received, in order. */
  readonly operations: readonly string[];
  close(): Promise<void>;
}

/** The response AWS sends for an error of `type` (such as 'AccessDeniedException'). */
export function awsError(type: string, message: string, status = 400): ProxiedResponse {
  return { status, body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }) };
}

export async function startFaultProxy(target: string, handle: FaultHandler): Promise<RunningFaultProxy> {
  const operations: string[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      operations.push(operation);
      const forward = async (changed?: string): Promise<ProxiedResponse> => {
        const answer = await fetch(target, {
          method: 'POST',
          headers: forwardedHeaders(request),
          body: changed ?? body,
        });
        return { status: answer.status, body: await answer.text() };
      };
      try {
        const answer = await handle({ operation, body }, forward);
        response.writeHead(answer.status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': `fault-proxy-${operations.length}`,
        });
        response.end(answer.body);
      } catch (error) {
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'InternalServerError', message: String(error) }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the fault proxy is not on a TCP port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    operations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The request's headers minus those that describe the connection or the original body. */
function forwardedHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (['host', 'content-length', 'connection', 'transfer-encoding'].includes(name)) continue;
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}
