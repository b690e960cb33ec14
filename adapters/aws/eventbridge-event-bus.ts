/**
 * The EventBus port on Amazon EventBridge: `publish` sends the event with PutEvents, and
 * delivery is EventBridge's, through rules whose targets (Lambda functions, Step Functions state
 * machines) each receive one event and read it with `parseEventBridgeEvent`.
 *
 * Rules:
 * - One event is one PutEvents entry: `Source` is the configured source, `DetailType` the event's
 *   type (`CommitFinished`), `Detail` the event's JSON (adapters/event-schema.ts), no resources.
 * - `publish` resolves once EventBridge accepted the entry (it answered with an event ID). Delivery
 *   to rule targets is at-least-once and unordered; consumers are idempotent (versioning/events.ts).
 * - Publishes share PutEvents calls: those made in the same turn of the event loop, and those made
 *   while every allowed call is in flight, go out together, at most 10 entries and 256 KiB per call
 *   (EventBridge's limits, sized as EventBridge sizes entries).
 * - An entry EventBridge failed with ThrottlingException or InternalFailure is sent again, alone
 *   or with newer publishes, after an exponential backoff with full jitter; entries of the same call
 *   that were accepted are never sent twice. After `maxEntryAttempts` its publish rejects with
 *   UnavailableError. Any other entry error rejects at once: InvalidArgumentError for an entry
 *   EventBridge found malformed, UnavailableError for one it refused (permissions).
 * - A whole call that fails after the SDK's own retries rejects every publish in it with a domain
 *   error: NotFoundError for a missing bus, InvalidArgumentError for a request EventBridge found
 *   invalid, and otherwise what aws-errors.ts says for every AWS adapter (UnavailableError naming
 *   the endpoint, or events:PutEvents and the bus's ARN).
 * - `subscribe` throws: this process cannot receive the bus's events (see its comment).
 *
 * EventBridge itself accepts PutEvents for a bus that does not exist and drops the events (AWS
 * answers success); the NotFoundError path serves endpoints that report it, such as LocalStack.
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import {
  InvalidArgumentError,
  NotFoundError,
  type StrataError,
  UnavailableError,
} from '../../versioning/errors.ts';
import type { EventBus, EventHandler, StrataEvent } from '../../versioning/events.ts';
import { describeIssues, parseStrataEvent } from '../event-schema.ts';
import { awsErrorFacts, describeAwsFailure, endpointOf } from './aws-errors.ts';

/** PutEvents takes at most this many entries per call. */
export const MAX_ENTRIES_PER_CALL = 10;
/** PutEvents takes at most this many bytes of entries per call, and so per entry. */
export const MAX_CALL_BYTES = 256 * 1024;
const MAX_RETRY_DELAY_MS = 20_000;

/** Entry error codes EventBridge documents as retryable. */
const RETRYABLE_CODES = new Set(['ThrottlingException', 'InternalFailure']);
/** Entry error codes that mean the entry itself is wrong. */
const INVALID_ENTRY_CODES = new Set(['InvalidArgument', 'MalformedDetail', 'InvalidAccountIdException']);
/** Entry error codes that mean the caller may not publish this entry to this bus. */
const REFUSED_ENTRY_CODES = new Set([
  'AccessDeniedException',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

export interface EventBridgeEventBusProps {
  readonly client: EventBridgeClient;
  /** The bus's name or ARN. */
  readonly eventBusName: string;
  /**
   * The `source` of every event, which rules match on. 1–256 characters, not starting with `aws.`.
   * @default 'strata'
   */
  readonly source?: string;
  /**
   * How long a publish waits for others to share its PutEvents call, in milliseconds.
   * @default 0 - the call goes out after the current turn of the event loop
   */
  readonly maxBatchDelayMs?: number;
  /**
   * How many PutEvents calls may be in flight at once; further publishes wait and share the next.
   * @default 4
   */
  readonly maxCallsInFlight?: number;
  /**
   * Attempts per entry, counting the first, while EventBridge answers a retryable entry error.
   * @default 5
   */
  readonly maxEntryAttempts?: number;
  /**
   * The backoff before an entry's second attempt; it doubles for each further one (capped at 20 s),
   * and each wait is drawn at random below it.
   * @default 100
   */
  readonly retryBaseDelayMs?: number;
}

interface PendingEntry {
  readonly event: StrataEvent;
  readonly entry: PutEventsRequestEntry;
  readonly bytes: number;
  attempts: number;
  resolve(): void;
  reject(error: Error): void;
}

export class EventBridgeEventBus implements EventBus {
  readonly #client: EventBridgeClient;
  readonly #eventBusName: string;
  readonly #source: string;
  readonly #maxBatchDelayMs: number;
  readonly #maxCallsInFlight: number;
  readonly #maxEntryAttempts: number;
  readonly #retryBaseDelayMs: number;
  /** Entries waiting for a call, oldest first. */
  readonly #queue: PendingEntry[] = [];
  #callsInFlight = 0;
  #flushScheduled = false;
  /** Publishes not yet accepted or refused, retries included. */
  readonly #unsettled = new Set<Promise<unknown>>();

  constructor(props: EventBridgeEventBusProps) {
    const source = props.source ?? 'strata';
    if (props.eventBusName.length < 1 || props.eventBusName.length > 1600) {
      throw new InvalidArgumentError(
        `EventBridgeEventBus eventBusName must be a bus name or ARN of 1–1600 characters; got ${JSON.stringify(props.eventBusName)}`,
      );
    }
    if (source.length < 1 || source.length > 256 || source.startsWith('aws.')) {
      throw new InvalidArgumentError(
        `EventBridgeEventBus source must be 1–256 characters and not start with 'aws.' (AWS's own sources); got ${JSON.stringify(source)}`,
      );
    }
    this.#maxBatchDelayMs = nonNegative('maxBatchDelayMs', props.maxBatchDelayMs ?? 0);
    this.#maxCallsInFlight = atLeastOne('maxCallsInFlight', props.maxCallsInFlight ?? 4);
    this.#maxEntryAttempts = atLeastOne('maxEntryAttempts', props.maxEntryAttempts ?? 5);
    this.#retryBaseDelayMs = nonNegative('retryBaseDelayMs', props.retryBaseDelayMs ?? 100);
    this.#client = props.client;
    this.#eventBusName = props.eventBusName;
    this.#source = source;
  }

  publish(event: StrataEvent): Promise<void> {
    const entry: PutEventsRequestEntry = {
      EventBusName: this.#eventBusName,
      Source: this.#source,
      DetailType: event.type,
      Detail: JSON.stringify(event),
    };
    const bytes = entryBytes(entry);
    if (bytes > MAX_CALL_BYTES) {
      return Promise.reject(
        new InvalidArgumentError(
          `${describeEvent(event)} is ${bytes} bytes as a PutEvents entry; EventBridge takes at most ` +
            `${MAX_CALL_BYTES}: shorten the commit's error text`,
        ),
      );
    }
    const accepted = new Promise<void>((resolve, reject) => {
      this.#queue.push({ event, entry, bytes, attempts: 0, resolve, reject });
      this.#scheduleFlush();
    });
    const settled: Promise<unknown> = accepted.catch(() => {}).finally(() => this.#unsettled.delete(settled));
    this.#unsettled.add(settled);
    return accepted;
  }

  /**
   * Resolves once every publish so far was accepted or refused, retries included (what a process
   * waits for before it exits, so that no finished commit's event is left unsent).
   */
  async idle(): Promise<void> {
    while (this.#unsettled.size > 0) await Promise.all([...this.#unsettled]);
  }

  /**
   * Always throws. On AWS, the bus's events reach handlers through EventBridge rules whose targets
   * are Lambda functions or Step Functions state machines (the Strata CDK stack wires them), in
   * other processes; a handler registered here would never run, so registering one is an error
   * rather than a silent no-op.
   */
  subscribe(_handler: EventHandler): () => void {
    throw new Error(
      `EventBridgeEventBus cannot deliver events in this process: on AWS, handlers of bus ` +
        `${JSON.stringify(this.#eventBusName)} are targets of EventBridge rules (Lambda functions or ` +
        'Step Functions state machines, wired by the Strata CDK stack) that read each event with ' +
        'parseEventBridgeEvent(); to handle events in-process, use InProcessEventBus or KvEventLog',
    );
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    const flush = () => {
      this.#flushScheduled = false;
      this.#startCalls();
    };
    if (this.#maxBatchDelayMs === 0) setImmediate(flush);
    else setTimeout(flush, this.#maxBatchDelayMs);
  }

  #startCalls(): void {
    while (this.#callsInFlight < this.#maxCallsInFlight && this.#queue.length > 0) {
      const batch = this.#takeBatch();
      this.#callsInFlight += 1;
      void this.#call(batch).finally(() => {
        this.#callsInFlight -= 1;
        this.#startCalls();
      });
    }
  }

  /** The oldest entries that fit one call. Every queued entry fits a call on its own. */
  #takeBatch(): PendingEntry[] {
    let count = 0;
    let bytes = 0;
    for (const pending of this.#queue) {
      if (count === MAX_ENTRIES_PER_CALL || bytes + pending.bytes > MAX_CALL_BYTES) break;
      count += 1;
      bytes += pending.bytes;
    }
    return this.#queue.splice(0, count);
  }

  /** Sends one PutEvents call and settles or requeues each of its entries; never rejects. */
  async #call(batch: readonly PendingEntry[]): Promise<void> {
    for (const pending of batch) pending.attempts += 1;
    let results: readonly PutEventsResultEntry[];
    try {
      const output = await this.#client.send(
        new PutEventsCommand({ Entries: batch.map((pending) => pending.entry) }),
      );
      results = output.Entries ?? [];
    } catch (error) {
      const failure = await this.#callFailure(error);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    batch.forEach((pending, index) => {
      const result = results[index];
      if (result?.EventId !== undefined && result.ErrorCode === undefined) pending.resolve();
      else this.#entryFailed(pending, result?.ErrorCode ?? 'InternalFailure', result?.ErrorMessage);
    });
  }

  #entryFailed(pending: PendingEntry, code: string, message = 'PutEvents returned no result for it'): void {
    const what = `EventBridge bus ${JSON.stringify(this.#eventBusName)} did not accept ${describeEvent(pending.event)}`;
    const reason = `${code} (${message})`;
    if (RETRYABLE_CODES.has(code)) {
      if (pending.attempts < this.#maxEntryAttempts) {
        setTimeout(() => {
          this.#queue.unshift(pending);
          this.#startCalls();
        }, this.#backoffMs(pending.attempts));
        return;
      }
      pending.reject(
        new UnavailableError(
          `${what} in ${pending.attempts} attempts: ${reason}; publish again later, or raise the ` +
            "account's PutEvents quota if this persists",
        ),
      );
    } else if (INVALID_ENTRY_CODES.has(code)) {
      pending.reject(new InvalidArgumentError(`${what}: ${reason}`));
    } else if (REFUSED_ENTRY_CODES.has(code)) {
      pending.reject(
        new UnavailableError(
          `${what}: ${reason}; allow events:PutEvents on this bus for source ` +
            `${JSON.stringify(this.#source)} and detail type ${JSON.stringify(pending.event.type)}`,
        ),
      );
    } else if (code === 'ResourceNotFoundException') {
      pending.reject(this.#busNotFound(message));
    } else {
      pending.reject(new UnavailableError(`${what}: ${reason}`));
    }
  }

  /** Full jitter: a random wait below base × 2^(attempt − 1), capped. */
  #backoffMs(attemptsSoFar: number): number {
    const ceiling = Math.min(MAX_RETRY_DELAY_MS, this.#retryBaseDelayMs * 2 ** (attemptsSoFar - 1));
    return Math.random() * ceiling;
  }

  /** A whole call's failure: this service's own codes first, the rest as every AWS adapter says them. */
  async #callFailure(error: unknown): Promise<StrataError> {
    const { code, message } = awsErrorFacts(error);
    if (code === 'ResourceNotFoundException') return this.#busNotFound(message, error);
    const region = await Promise.resolve(this.#client.config.region()).catch(() => '<region>');
    if (code === 'ValidationException') {
      return new InvalidArgumentError(
        `EventBridge rejected PutEvents on bus ${JSON.stringify(this.#eventBusName)}: ${message}`,
        { cause: error },
      );
    }
    return describeAwsFailure(error, {
      service: 'EventBridge',
      action: 'events:PutEvents',
      resource: this.#eventBusName.startsWith('arn:')
        ? this.#eventBusName
        : `arn:aws:events:${region}:<account>:event-bus/${this.#eventBusName}`,
      doing: `publish to EventBridge bus ${JSON.stringify(this.#eventBusName)}`,
      endpoint: await endpointOf(
        this.#client.config,
        'EVENTBRIDGE',
        (r) => `https://events.${r}.amazonaws.com`,
      ),
    });
  }

  #busNotFound(message: string, cause?: unknown): NotFoundError {
    return new NotFoundError(
      `EventBridge bus ${JSON.stringify(this.#eventBusName)} does not exist (${message}): create it with ` +
        `'strata aws init', \`aws events create-event-bus --name ${this.#busNameForCli()}\` or the Strata CDK stack`,
      { cause },
    );
  }

  #busNameForCli(): string {
    return this.#eventBusName.startsWith('arn:')
      ? this.#eventBusName.slice(this.#eventBusName.lastIndexOf('/') + 1)
      : this.#eventBusName;
  }
}

const envelopeSchema = z.object({
  'detail-type': z.string(),
  source: z.string(),
  detail: z.unknown(),
});

/**
 * Reads the domain event out of an event EventBridge delivered to a rule target (a Lambda
 * function's `event`, a state machine's input): `{ 'detail-type', source, detail, … }`. Throws
 * InvalidArgumentError naming what is wrong when it is not a Strata event.
 */
export function parseEventBridgeEvent(raw: unknown): StrataEvent {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) {
    throw new InvalidArgumentError(
      `not an EventBridge event: ${describeIssues(envelope.error)}; expected { 'detail-type', source, detail }`,
      { cause: envelope.error },
    );
  }
  const { 'detail-type': detailType, source, detail } = envelope.data;
  let event: StrataEvent;
  try {
    event = parseStrataEvent(detail);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidArgumentError(
      `the detail of EventBridge event ${JSON.stringify(detailType)} from source ${JSON.stringify(source)} is ${reason}`,
      { cause: error },
    );
  }
  if (event.type !== detailType) {
    throw new InvalidArgumentError(
      `EventBridge event has detail-type ${JSON.stringify(detailType)} but its detail is a ${event.type}; ` +
        'Strata publishes each event with its type as the detail-type',
    );
  }
  return event;
}

/** EventBridge's size of an entry: the UTF-8 bytes of its source, detail type, detail and resources. */
function entryBytes(entry: PutEventsRequestEntry): number {
  let bytes = entry.Time === undefined ? 0 : 14;
  for (const part of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (part !== undefined) bytes += Buffer.byteLength(part, 'utf8');
  }
  return bytes;
}

function describeEvent(event: StrataEvent): string {
  return `the ${event.type} event of commit ${event.commit} in repo ${event.repo}`;
}

function nonNegative(prop: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`EventBridgeEventBus ${prop} must be a finite number ≥ 0; got ${value}`);
  }
  return value;
}

function atLeastOne(prop: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`EventBridgeEventBus ${prop} must be a whole number ≥ 1; got ${value}`);
  }
  return value;
}
