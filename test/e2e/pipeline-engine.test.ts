import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import { describePipelineEngine } from './pipeline-engine.suite.ts';

describePipelineEngine('memory stores', async () => ({
  objects: new MemoryObjectStore(),
  kv: new MemoryKvStore(),
  cleanup: async () => {},
}));
