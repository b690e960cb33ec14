import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import { describeKvStoreContract } from './kv-store.contract.ts';
import { describeObjectStoreContract } from './object-store.contract.ts';

const nothingToClean = async (): Promise<void> => {};

describeObjectStoreContract('memory', async () => ({
  store: new MemoryObjectStore(),
  cleanup: nothingToClean,
}));
describeKvStoreContract('memory', async () => ({ store: new MemoryKvStore(), cleanup: nothingToClean }));
