/**
 * The embedded backend, wired: the versioning service and the pipeline service on the local
 * stores, an in-process event bus between them, the process executor and the local workflow
 * engine. `idle()` waits until every job the session's writes caused has ended.
 */
import { join } from 'node:path';
import { PipelineService } from '../../pipelines/service.ts';
import type { KvStore, ObjectStore } from '../../versioning/ports.ts';
import { VersioningService } from '../../versioning/service.ts';
import { InProcessEventBus } from '../memory/event-bus.ts';
import { openLocalBackend } from './index.ts';
import { LocalOrchestrator, type LocalOrchestratorProps } from './local-orchestrator.ts';
import { ProcessExecutor } from './process-executor.ts';

export interface Engine {
  readonly versioning: VersioningService;
  readonly pipelines: PipelineService;
  readonly bus: InProcessEventBus;
  /** Resolves once no job is running or queued, including jobs started by other jobs' outputs. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** Where datums' scratch trees go. */
  readonly scratchDir: string;
  readonly hostIsolation?: 'auto' | 'host-env';
  readonly onJobEvent?: LocalOrchestratorProps['onEvent'];
}

/** An engine on any pair of stores (tests use the memory adapters). */
export function createEngine(stores: { objects: ObjectStore; kv: KvStore }, options: EngineOptions): Engine {
  const bus = new InProcessEventBus();
  const versioning = new VersioningService({ ...stores, events: bus });
  const executor = new ProcessExecutor({
    scratchDir: options.scratchDir,
    ...(options.hostIsolation ? { hostIsolation: options.hostIsolation } : {}),
  });
  const pipelines = new PipelineService({
    versioning,
    ...stores,
    events: bus,
    executor,
    orchestrator: (tasks, jobs) =>
      new LocalOrchestrator({
        tasks,
        jobs,
        versioning,
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
    },
  };
}

async function settled(bus: InProcessEventBus, pipelines: PipelineService): Promise<boolean> {
  await bus.idle();
  await pipelines.idle();
  await new Promise((resolve) => setImmediate(resolve));
  return true;
}

/** The engine on the embedded backend at `home` (the `.strata` folder). */
export function openLocalEngine(home: string, options: Partial<EngineOptions> = {}): Engine {
  const backend = openLocalBackend(home);
  const engine = createEngine(backend, { scratchDir: join(home, 'scratch'), ...options });
  return {
    ...engine,
    close: async () => {
      await engine.close();
      backend.close();
    },
  };
}
