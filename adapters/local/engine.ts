/**
 * The embedded backend, wired: the versioning service and the pipeline service on the local
 * stores, an event bus between them (in-process by default; the long-running local engine uses
 * the KV event log so that other processes' commits reach it), the process executor and the
 * local workflow engine. `idle()` waits until every job the session's writes caused has ended.
 */
import { join } from 'node:path';
import { PipelineService } from '../../pipelines/service.ts';
import type { ChunkHasher } from '../../versioning/content/index.ts';
import type { EventBus } from '../../versioning/events.ts';
import type { KvStore, ObjectStore } from '../../versioning/ports.ts';
import { VersioningService } from '../../versioning/service.ts';
import { InProcessEventBus } from '../memory/event-bus.ts';
import { openLocalBackend } from './index.ts';
import { LocalOrchestrator, type LocalOrchestratorProps } from './local-orchestrator.ts';
import { ProcessExecutor } from './process-executor.ts';
import { WorkerChunkHasher } from './worker-chunk-hasher.ts';

/** A bus that can tell when every event published so far has been handled. */
export interface SettlingEventBus extends EventBus {
  /** Resolves once no handler is running or due, including handlers started by handlers. */
  idle(): Promise<void>;
  /** Stops any polling the bus does. */
  close?(): void;
}

export interface Engine {
  readonly versioning: VersioningService;
  readonly pipelines: PipelineService;
  readonly bus: SettlingEventBus;
  /** Resolves once no job is running or queued, including jobs started by other jobs' outputs. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** Where datums' scratch trees go. */
  readonly scratchDir: string;
  readonly hostIsolation?: 'auto' | 'host-env';
  readonly onJobEvent?: LocalOrchestratorProps['onEvent'];
  /**
   * The bus between the versioning service and the pipeline dispatcher.
   * @default - a new InProcessEventBus
   */
  readonly bus?: SettlingEventBus;
  /**
   * Whether this engine runs the jobs that events cause. False when a long-running local engine
   * (`strata local up`) owns the store: this one then only publishes, and the daemon runs them.
   * @default true
   */
  readonly dispatch?: boolean;
  /** Hashes stored chunks. @default - on the calling thread */
  readonly hasher?: ChunkHasher;
}

/** An engine on any pair of stores (tests use the memory adapters). */
export function createEngine(stores: { objects: ObjectStore; kv: KvStore }, options: EngineOptions): Engine {
  const bus: SettlingEventBus = options.bus ?? new InProcessEventBus();
  const versioning = new VersioningService({
    ...stores,
    events: bus,
    ...(options.hasher ? { hasher: options.hasher } : {}),
  });
  const executor = new ProcessExecutor({
    scratchDir: options.scratchDir,
    ...(options.hostIsolation ? { hostIsolation: options.hostIsolation } : {}),
  });
  const pipelines = new PipelineService({
    versioning,
    ...stores,
    events: bus,
    dispatch: options.dispatch ?? true,
    executor,
    orchestrator: (tasks) =>
      new LocalOrchestrator({
        tasks,
        ...(options.onJobEvent ? { onEvent: options.onJobEvent } : {}),
      }),
  });
  const idle = async () => {
    do {
      await bus.idle();
      await pipelines.idle();
    } while (!(await settled(bus, pipelines)));
  };
  return {
    versioning,
    pipelines,
    bus,
    idle,
    close: async () => {
      pipelines.close();
      bus.close?.();
    },
  };
}

async function settled(bus: SettlingEventBus, pipelines: PipelineService): Promise<boolean> {
  await bus.idle();
  await pipelines.idle();
  await new Promise((resolve) => setImmediate(resolve));
  return true;
}

/** The engine on the embedded backend at `home` (the `.strata` folder). */
export function openLocalEngine(
  home: string,
  options: Partial<EngineOptions> & { readonly busFor?: (kv: KvStore) => SettlingEventBus } = {},
): Engine {
  const backend = openLocalBackend(home);
  const { busFor, ...rest } = options;
  // SHA-256 of stored chunks runs on a worker thread, beside the chunker on the main thread;
  // started on the first file stored, so commands that store nothing pay nothing.
  let worker: WorkerChunkHasher | undefined;
  const hasher: ChunkHasher = {
    digest: (bytes, spans) => {
      worker ??= new WorkerChunkHasher();
      return worker.digest(bytes, spans);
    },
  };
  const engine = createEngine(backend, {
    scratchDir: join(home, 'scratch'),
    hasher,
    ...rest,
    ...(busFor ? { bus: busFor(backend.kv) } : {}),
  });
  return {
    ...engine,
    close: async () => {
      await engine.close();
      await worker?.close();
      backend.close();
    },
  };
}
