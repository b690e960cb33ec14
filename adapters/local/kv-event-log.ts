/**
 * An EventBus over a log kept in the KvStore, so that events cross process boundaries: a
 * `strata put file` in one process wakes the local engine running in another on the same home.
 *
 * Rules:
 * - Each event is one entry, `eventlog/<13-digit ms since the epoch>-<16 random hex>`: keys sort
 *   by publish time, and the random part keeps keys written by different processes distinct. The
 *   value is the event's JSON, parsed through a schema on every read; an entry that does not
 *   parse is reported and skipped, never delivered.
 * - Subscribers poll the log; a publish through the same instance polls at once, so a process's
 *   own events wait for no timer. An entry may become visible after entries with later keys (its
 *   writer waited up to SQLite's 10 s busy timeout for the write lock), so every poll re-reads
 *   the last LATE_ENTRY_MS of keys and skips those it has delivered. An entry that lands later
 *   than that is missed; delivery is otherwise once per bus instance.
 * - A handler gets the events whose key time is at or after the moment it subscribed: a bus
 *   started now sees what is published from now on, not the backlog.
 * - A polling bus deletes entries older than `retainMs` about once a minute. Any process may
 *   prune; deleting an entry twice is harmless.
 */
import { randomBytes } from 'node:crypto';
import { CorruptDataError } from '../../versioning/errors.ts';
import type { EventBus, EventHandler, StrataEvent } from '../../versioning/events.ts';
import { allPages, type KvItem, type KvStore } from '../../versioning/ports.ts';
import { parseStrataEvent } from '../event-schema.ts';

export const EVENT_LOG_PREFIX = 'eventlog/';
/** How far back each poll re-reads: the SQLite busy timeout (10 s) plus a margin. */
export const LATE_ENTRY_MS = 15_000;
const PRUNE_EVERY_MS = 60_000;
const KEY_RULE = /^eventlog\/(\d{13})-[0-9a-f]{16}$/;

export interface KvEventLogProps {
  readonly kv: KvStore;
  /**
   * How often subscribers read the log, in milliseconds.
   * @default 150
   */
  readonly pollMs?: number;
  /**
   * How long entries are kept before a polling bus deletes them, in milliseconds.
   * @default - one hour
   */
  readonly retainMs?: number;
  /**
   * Where handler failures, unreadable entries and failed polls go.
   * @default - kept, and handed out by `takeErrors()`
   */
  readonly onError?: (error: unknown) => void;
  /**
   * The clock that stamps entries and decides what is old.
   * @default Date.now
   */
  readonly now?: () => number;
}

interface Subscription {
  readonly handler: EventHandler;
  /** Key time (ms) from which this handler receives events. */
  readonly since: number;
}

export class KvEventLog implements EventBus {
  readonly #kv: KvStore;
  readonly #pollMs: number;
  readonly #retainMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #now: () => number;
  readonly #subscriptions = new Set<Subscription>();
  readonly #pending = new Set<Promise<void>>();
  readonly #errors: unknown[] = [];
  /** Keys delivered that are still inside the re-read window, with their key times. */
  readonly #delivered = new Map<string, number>();
  /** Key time from which the current polling run reads (when its first handler subscribed). */
  #pollingSince = 0;
  /** Polls run one at a time, chained here. */
  #polling: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #lastPrune = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(props: KvEventLogProps) {
    const pollMs = props.pollMs ?? 150;
    const retainMs = props.retainMs ?? 3_600_000;
    if (!(pollMs > 0)) throw new RangeError(`KvEventLog pollMs must be above 0 ms; got ${pollMs}`);
    if (!(retainMs >= LATE_ENTRY_MS)) {
      throw new RangeError(
        `KvEventLog retainMs must be at least ${LATE_ENTRY_MS} ms (the re-read window); got ${retainMs}`,
      );
    }
    this.#kv = props.kv;
    this.#pollMs = pollMs;
    this.#retainMs = retainMs;
    this.#onError = props.onError ?? ((error) => this.#errors.push(error));
    this.#now = props.now ?? Date.now;
  }

  async publish(event: StrataEvent): Promise<void> {
    const key = `${EVENT_LOG_PREFIX}${timeKey(this.#now())}-${randomBytes(8).toString('hex')}`;
    await this.#kv.putIfAbsent(key, JSON.stringify(event));
    // This process's own subscribers need not wait for the next poll.
    if (this.#subscriptions.size > 0) this.#pollNow().catch(this.#onError);
  }

  subscribe(handler: EventHandler): () => void {
    if (this.#closed) throw new Error('this KvEventLog was closed; open a new one to subscribe');
    const subscription: Subscription = { handler, since: this.#now() };
    if (this.#subscriptions.size === 0) this.#startPolling(subscription.since);
    this.#subscriptions.add(subscription);
    return () => {
      this.#subscriptions.delete(subscription);
      if (this.#subscriptions.size === 0) this.#stopPolling();
    };
  }

  /**
   * Resolves once the pollers have caught up with the log's last entry and no handler is
   * running, including handlers started by events that handlers published.
   */
  async idle(): Promise<void> {
    for (;;) {
      while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
      if (this.#subscriptions.size === 0) return;
      const delivered = await this.#pollNow();
      if (delivered === 0 && this.#pending.size === 0) return;
    }
  }

  /** Deletes entries older than `retainMs`; returns how many it deleted. */
  async prune(): Promise<number> {
    const end = `${EVENT_LOG_PREFIX}${timeKey(this.#now() - this.#retainMs)}`;
    const old: string[] = [];
    for await (const item of allPages((after) => this.#kv.scan(EVENT_LOG_PREFIX, { after }))) {
      if (item.key >= end) break;
      old.push(item.key);
    }
    for (const key of old) await this.#kv.delete(key);
    return old.length;
  }

  /** Errors kept because no `onError` was given (handler bugs, unreadable entries). */
  takeErrors(): unknown[] {
    return this.#errors.splice(0);
  }

  /** Stops polling for good. Handlers already running go on; `idle()` waits for them. */
  close(): void {
    this.#closed = true;
    this.#subscriptions.clear();
    this.#stopPolling();
  }

  #startPolling(since: number): void {
    this.#pollingSince = since;
    this.#delivered.clear();
    this.#schedule();
  }

  #stopPolling(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#pollNow()
        .catch(this.#onError)
        .finally(() => {
          if (this.#subscriptions.size > 0) this.#schedule();
        });
    }, this.#pollMs);
  }

  /** Runs a poll after any poll under way; resolves with how many events it delivered. */
  #pollNow(): Promise<number> {
    const poll = this.#polling.then(() => this.#poll());
    this.#polling = poll.catch(() => {});
    return poll;
  }

  async #poll(): Promise<number> {
    if (this.#subscriptions.size === 0) return 0;
    const now = this.#now();
    const from = Math.max(this.#pollingSince, now - LATE_ENTRY_MS);
    for (const [key, time] of this.#delivered) if (time < from) this.#delivered.delete(key);
    // Every key with a time ≥ `from` sorts after this one: it is their prefix.
    const start = `${EVENT_LOG_PREFIX}${timeKey(from)}`;
    let delivered = 0;
    for await (const item of allPages((after) =>
      this.#kv.scan(EVENT_LOG_PREFIX, { after: after ?? start }),
    )) {
      if (this.#delivered.has(item.key)) continue;
      const time = keyTime(item.key);
      this.#delivered.set(item.key, time ?? now);
      if (time === undefined) {
        this.#onError(unreadable(item.key, 'its key is not eventlog/<13-digit ms>-<16 hex>'));
        continue;
      }
      const event = this.#read(item);
      if (event === undefined) continue;
      for (const subscription of this.#subscriptions) {
        if (subscription.since <= time) this.#run(subscription.handler, event);
      }
      delivered += 1;
    }
    if (now - this.#lastPrune >= PRUNE_EVERY_MS) {
      this.#lastPrune = now;
      await this.prune();
    }
    return delivered;
  }

  #read(item: KvItem): StrataEvent | undefined {
    try {
      return parseStrataEvent(JSON.parse(item.value));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#onError(unreadable(item.key, reason, error));
      return undefined;
    }
  }

  #run(handler: EventHandler, event: StrataEvent): void {
    const run = Promise.resolve()
      .then(() => handler(event))
      .catch(this.#onError)
      .finally(() => this.#pending.delete(run));
    this.#pending.add(run);
  }
}

function timeKey(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(13, '0');
}

function keyTime(key: string): number | undefined {
  const digits = KEY_RULE.exec(key)?.[1];
  return digits === undefined ? undefined : Number(digits);
}

function unreadable(key: string, reason: string, cause?: unknown): CorruptDataError {
  return new CorruptDataError(
    `event log entry ${JSON.stringify(key)} is unreadable and was skipped: ${reason}; ` +
      'it was not written by Strata, or by an incompatible version',
    { cause },
  );
}
