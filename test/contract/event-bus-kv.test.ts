import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_LOG_PREFIX, KvEventLog } from '../../adapters/local/kv-event-log.ts';
import { SqliteKvStore } from '../../adapters/local/sqlite-kv-store.ts';
import { MemoryKvStore } from '../../adapters/memory/index.ts';
import type { StrataEvent } from '../../versioning/events.ts';
import { parseBranchName, parseCommitId, parseCommitSetId, parseRepoName } from '../../versioning/ids.ts';
import { describeEventBusContract } from './event-bus.contract.ts';

describeEventBusContract('KV event log on SQLite', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'strata-eventlog-'));
  const kv = new SqliteKvStore(join(folder, 'graph.sqlite'));
  const bus = new KvEventLog({ kv, pollMs: 20 });
  return {
    bus,
    settle: () => bus.idle(),
    cleanup: async () => {
      bus.close();
      kv.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
});

const event = (n: number): StrataEvent => ({
  type: 'CommitFinished',
  repo: parseRepoName('images'),
  branch: parseBranchName('master'),
  commit: parseCommitId(n.toString(16).padStart(32, '0')),
  commitSet: parseCommitSetId(n.toString(16).padStart(32, '0')),
  error: null,
});

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('KvEventLog across processes', () => {
  let folder: string;
  const opened: SqliteKvStore[] = [];
  const buses: KvEventLog[] = [];
  const open = (pollMs = 20) => {
    const kv = new SqliteKvStore(join(folder, 'graph.sqlite'));
    const bus = new KvEventLog({ kv, pollMs });
    opened.push(kv);
    buses.push(bus);
    return { kv, bus };
  };

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'strata-eventlog-'));
  });

  afterEach(async () => {
    for (const bus of buses.splice(0)) bus.close();
    for (const kv of opened.splice(0)) kv.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('delivers an event published through one database connection to a subscriber of another', async () => {
    // Arrange: two connections to one file stand for the CLI and the local engine.
    const cli = open();
    const engine = open();
    const seen: StrataEvent[] = [];
    engine.bus.subscribe(async (e) => {
      seen.push(e);
    });

    // Act
    await cli.bus.publish(event(7));

    // Assert: the engine's own poller picks it up, with no help from the publisher.
    await eventually(() => seen.length > 0);
    expect(seen).toEqual([event(7)]);
  });

  it('gives a new subscriber the events published from then on, not the backlog', async () => {
    const cli = open();
    await cli.bus.publish(event(1));
    await new Promise((resolve) => setTimeout(resolve, 5));

    const engine = open();
    const seen: number[] = [];
    engine.bus.subscribe(async (e) => {
      seen.push(Number.parseInt(e.commit, 16));
    });
    await engine.bus.idle();
    await cli.bus.publish(event(2));
    await engine.bus.idle();

    expect(seen).toEqual([2]);
  });

  it('delivers an entry that becomes visible after entries with later keys', async () => {
    // Arrange: a writer that waited for the database lock stores its entry after later-stamped ones.
    const kv = new MemoryKvStore();
    let now = Date.UTC(2025, 0, 1, 12);
    const bus = new KvEventLog({ kv, pollMs: 20, now: () => now });
    buses.push(bus);
    const seen: number[] = [];
    bus.subscribe(async (e) => {
      seen.push(Number.parseInt(e.commit, 16));
    });
    now += 2_000;
    await bus.publish(event(2));
    await bus.idle();

    // Act: an entry stamped a second before the one already delivered lands now.
    now += 500;
    await kv.putIfAbsent(
      `${EVENT_LOG_PREFIX}${String(now - 1_500).padStart(13, '0')}-${'0'.repeat(16)}`,
      JSON.stringify(event(1)),
    );
    await bus.idle();

    // Assert
    expect(seen).toEqual([2, 1]);
  });

  it('skips and reports an entry that is not a valid event', async () => {
    const kv = new MemoryKvStore();
    const errors: unknown[] = [];
    const bus = new KvEventLog({ kv, pollMs: 20, onError: (error) => errors.push(error) });
    const seen: StrataEvent[] = [];
    bus.subscribe(async (e) => {
      seen.push(e);
    });

    await kv.putIfAbsent(
      `${EVENT_LOG_PREFIX}${String(Date.now()).padStart(13, '0')}-${'a'.repeat(16)}`,
      '{"type":"Nope"}',
    );
    await bus.publish(event(4));
    await bus.idle();
    bus.close();

    expect(seen).toEqual([event(4)]);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/event log entry "eventlog\/\d{13}-a{16}" is unreadable/);
  });

  it('prunes entries older than the retention period and keeps newer ones', async () => {
    const kv = new MemoryKvStore();
    let now = Date.UTC(2025, 0, 1);
    const bus = new KvEventLog({ kv, retainMs: 3_600_000, now: () => now });
    await bus.publish(event(1));
    now += 2 * 3_600_000;
    await bus.publish(event(2));

    const removed = await bus.prune();

    const left = await kv.scan(EVENT_LOG_PREFIX);
    expect(removed).toBe(1);
    expect(left.items.map((item) => JSON.parse(item.value).commit)).toEqual([event(2).commit]);
  });
});
