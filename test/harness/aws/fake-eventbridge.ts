/**
 * A fake EventBridge endpoint for tests: no emulator of EventBridge exists, so this speaks just
 * enough of its AWS JSON 1.1 protocol (POST, `X-Amz-Target: AWSEvents.PutEvents`) for the real SDK
 * client to publish to it. It records every call, fails the entries or calls a test asks it to,
 * and plays the part of rule targets: every accepted entry is delivered, as the envelope EventBridge
 * hands to a Lambda function, to each subscribed target after the call is answered.
 *
 * Buses must exist (`default` does): a call naming another bus is answered 400
 * ResourceNotFoundException, as LocalStack answers it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';

const putEventsRequestSchema = z.object({
  Entries: z
    .array(
      z.object({
        EventBusName: z.string().optional(),
        Source: z.string(),
        DetailType: z.string(),
        Detail: z.string(),
        Resources: z.array(z.string()).optional(),
        Time: z.number().optional(),
      }),
    )
    .min(1)
    .max(10),
});

export type FakePutEventsEntry = z.infer<typeof putEventsRequestSchema>['Entries'][number];

/** An error the fake answers for one entry. */
export interface FakeEntryError {
  readonly code: string;
  readonly message: string;
}

/** An error the fake answers for a whole call. */
export interface FakeCallError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** Decides an entry's fate; `attempt` counts the calls that carried an entry with this Detail. */
export type EntryRule = (entry: FakePutEventsEntry, attempt: number) => FakeEntryError | undefined;

/** Receives one delivered event, as a rule target receives it. */
export type FakeTarget = (envelope: unknown) => Promise<void>;

export class FakeEventBridge {
  readonly endpoint: string;
  /** The entries of every PutEvents call received, one array per call, in arrival order. */
  readonly calls: FakePutEventsEntry[][] = [];
  readonly #server: Server;
  readonly #buses = new Set(['default']);
  readonly #attempts = new Map<string, number>();
  readonly #targets = new Set<FakeTarget>();
  readonly #deliveries = new Set<Promise<void>>();
  readonly #targetErrors: unknown[] = [];
  #entryRule: EntryRule = () => undefined;
  #callRule: () => FakeCallError | undefined = () => undefined;

  private constructor(server: Server) {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the fake is not listening on TCP');
    this.endpoint = `http://127.0.0.1:${address.port}`;
    this.#server = server;
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.#handle(request, response).catch((error: unknown) =>
        answerError(response, { status: 500, type: 'InternalException', message: String(error) }),
      );
    });
  }

  static async start(): Promise<FakeEventBridge> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakeEventBridge(server);
  }

  createEventBus(name: string): void {
    this.#buses.add(name);
  }

  /** From now on, entries fail as `rule` says (undefined accepts the entry). */
  failEntries(rule: EntryRule): void {
    this.#entryRule = rule;
  }

  /** From now on, whole calls fail as `rule` says (undefined answers the call normally). */
  failCalls(rule: () => FakeCallError | undefined): void {
    this.#callRule = rule;
  }

  /** Adds a rule target that receives every event accepted from now on. */
  subscribe(target: FakeTarget): () => void {
    this.#targets.add(target);
    return () => this.#targets.delete(target);
  }

  /** Resolves once no delivery is running, including deliveries of events targets published. */
  async idle(): Promise<void> {
    while (this.#deliveries.size > 0) await Promise.allSettled([...this.#deliveries]);
  }

  /** Errors targets threw. */
  takeTargetErrors(): unknown[] {
    return this.#targetErrors.splice(0);
  }

  async close(): Promise<void> {
    await this.idle();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(Buffer.from(chunk));
    const target = request.headers['x-amz-target'];
    if (
      request.method === 'POST' &&
      (target === 'AWSEvents.DescribeEventBus' || target === 'AWSEvents.CreateEventBus')
    ) {
      this.#busCall(target, Buffer.concat(chunks).toString('utf8'), response);
      return;
    }
    if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      answerError(response, {
        status: 400,
        type: 'UnknownOperationException',
        message: `this fake serves only POST AWSEvents.PutEvents, DescribeEventBus and CreateEventBus; got ${request.method} ${String(target)}`,
      });
      return;
    }
    const parsed = putEventsRequestSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    if (!parsed.success) {
      answerError(response, { status: 400, type: 'ValidationException', message: parsed.error.message });
      return;
    }
    const entries = parsed.data.Entries;
    this.calls.push(entries);
    const callError = this.#callRule();
    if (callError !== undefined) {
      answerError(response, callError);
      return;
    }
    const missingBus = entries.find((entry) => !this.#buses.has(entry.EventBusName ?? 'default'));
    if (missingBus !== undefined) {
      answerError(response, {
        status: 400,
        type: 'ResourceNotFoundException',
        message: `Event bus ${missingBus.EventBusName} does not exist.`,
      });
      return;
    }
    const results = entries.map((entry) => {
      const attempt = (this.#attempts.get(entry.Detail) ?? 0) + 1;
      this.#attempts.set(entry.Detail, attempt);
      const error = this.#entryRule(entry, attempt);
      if (error !== undefined) return { ErrorCode: error.code, ErrorMessage: error.message };
      const eventId = randomUUID();
      this.#deliver(entry, eventId);
      return { EventId: eventId };
    });
    const failed = results.filter((result) => 'ErrorCode' in result).length;
    answer(response, 200, { FailedEntryCount: failed, Entries: results });
  }

  /** DescribeEventBus and CreateEventBus, on the fake's set of bus names. */
  #busCall(target: string, body: string, response: ServerResponse): void {
    const parsed = busRequestSchema.safeParse(JSON.parse(body));
    if (!parsed.success) {
      answerError(response, { status: 400, type: 'ValidationException', message: parsed.error.message });
      return;
    }
    const name = parsed.data.Name ?? 'default';
    const arn = `arn:aws:events:us-east-1:000000000000:event-bus/${name}`;
    if (target === 'AWSEvents.CreateEventBus') {
      if (this.#buses.has(name)) {
        answerError(response, {
          status: 400,
          type: 'ResourceAlreadyExistsException',
          message: `Event bus ${name} already exists.`,
        });
        return;
      }
      this.#buses.add(name);
      answer(response, 200, { EventBusArn: arn });
      return;
    }
    if (!this.#buses.has(name)) {
      answerError(response, {
        status: 400,
        type: 'ResourceNotFoundException',
        message: `Event bus ${name} does not exist.`,
      });
      return;
    }
    answer(response, 200, { Name: name, Arn: arn });
  }

  /** Registers the deliveries before the call is answered, so `idle()` already waits for them. */
  #deliver(entry: FakePutEventsEntry, eventId: string): void {
    const envelope = {
      version: '0',
      id: eventId,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '000000000000',
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail),
    };
    for (const target of this.#targets) {
      const run = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => target(envelope))
        .catch((error: unknown) => {
          this.#targetErrors.push(error);
        })
        .finally(() => this.#deliveries.delete(run));
      this.#deliveries.add(run);
    }
  }
}

const busRequestSchema = z.object({ Name: z.string().optional() });

function answer(response: ServerResponse, status: number, body: unknown, type?: string): void {
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
    ...(type === undefined ? {} : { 'x-amzn-errortype': type }),
  });
  response.end(JSON.stringify(body));
}

function answerError(response: ServerResponse, error: FakeCallError): void {
  answer(response, error.status, { __type: error.type, message: error.message }, error.type);
}
