/** What every part of the versioning service shares: the ports and the domain engines on them. */

import type { ChunkHasher } from '../content/index.ts';
import type { EventBus } from '../events.ts';
import { CommitGraph } from '../graph/commit-graph.ts';
import type { KvStore, ObjectStore } from '../ports.ts';
import { FileIndex } from '../tree/index.ts';

export interface ServiceDeps {
  readonly objects: ObjectStore;
  readonly kv: KvStore;
  /** Hashes chunks when files are stored; defaults to hashing on the calling thread. */
  readonly hasher?: ChunkHasher;
  /** Where CommitFinished events go; none are published without one. */
  readonly events?: EventBus;
  /** Defaults to the system clock; tests pass a fixed one. */
  readonly now?: () => Date;
}

export interface ServiceContext {
  readonly objects: ObjectStore;
  readonly kv: KvStore;
  readonly graph: CommitGraph;
  readonly index: FileIndex;
  readonly events: EventBus | undefined;
  readonly hasher: ChunkHasher | undefined;
  now(): string;
  /**
   * Inverted microseconds since the epoch, 16 digits, strictly decreasing within a process: a
   * key part that lists later commits first, even several started in one millisecond.
   */
  startOrder(): string;
}

// Below Number.MAX_SAFE_INTEGER, so the subtraction is exact; 16 digits until the year 2255.
const MAX_MICROS = 9_000_000_000_000_000;

let lastMicros = 0;

export function makeContext(deps: ServiceDeps): ServiceContext {
  const now = deps.now ?? (() => new Date());
  return {
    objects: deps.objects,
    kv: deps.kv,
    graph: new CommitGraph(deps.kv),
    index: new FileIndex(deps.objects),
    events: deps.events,
    hasher: deps.hasher,
    now: () => now().toISOString(),
    startOrder: () => {
      const micros = Math.max(
        Math.floor((performance.timeOrigin + performance.now()) * 1000),
        lastMicros + 1,
      );
      lastMicros = micros;
      return String(MAX_MICROS - micros).padStart(16, '0');
    },
  };
}
