/**
 * In-memory adapters for the storage ports, for tests and benchmarks. They keep every rule of
 * the ports (byte-ordered listings, put-if-absent, compare-and-set on versions) and the shared
 * key rules, so code that passes against them behaves the same on the local and AWS backends.
 * Each store counts the requests it serves in `stats`, which benchmarks read to compare request
 * counts with peers.
 */

export { InProcessEventBus } from './event-bus.ts';
export { type KvStoreStats, MemoryKvStore } from './kv-store.ts';
export { MemoryObjectStore, type ObjectStoreStats } from './object-store.ts';
