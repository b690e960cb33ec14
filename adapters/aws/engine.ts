/**
 * The engine on the AWS backend. Storage is S3 + DynamoDB; where jobs run depends on the
 * context: with an EventBridge bus, commits are published to it and the deployed engine runs the
 * jobs (this process only publishes); without one, jobs run here, with the local process executor
 * and workflow engine, exactly as on the embedded backend — which is also how the tests run the
 * pipelines against the emulators.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, type EngineOptions } from '../local/engine.ts';
import { type AwsBackendSettings, openAwsBackend } from './backend.ts';
import { createEventBridgeClient } from './clients.ts';
import { EventBridgeEventBus } from './eventbridge-event-bus.ts';

export interface AwsEngineSettings extends AwsBackendSettings {
  /** Publish commit events to this EventBridge bus and run no jobs here. @default - jobs run here */
  readonly eventBus?: string;
}

export function openAwsEngine(
  settings: AwsEngineSettings,
  options: Omit<Partial<EngineOptions>, 'bus' | 'dispatch'> = {},
): Engine {
  const backend = openAwsBackend(settings);
  const scratchDir = options.scratchDir ?? mkdtempSync(join(tmpdir(), 'strata-scratch-'));
  const events = settings.eventBus !== undefined ? createEventBridgeClient(settings) : undefined;
  const bus =
    events !== undefined && settings.eventBus !== undefined
      ? new EventBridgeEventBus({ client: events, eventBusName: settings.eventBus })
      : undefined;
  const engine = createEngine(backend, {
    ...options,
    scratchDir,
    ...(bus ? { bus, dispatch: false } : {}),
  });
  return {
    ...engine,
    close: async () => {
      // A command that failed half-way may still have events in flight: deliver them first.
      await bus?.idle();
      await engine.close();
      events?.destroy();
      backend.close();
      if (options.scratchDir === undefined) rmSync(scratchDir, { recursive: true, force: true });
    },
  };
}
