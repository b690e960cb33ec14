/**
 * The local (embedded) backend for the storage ports: immutable objects as files under a folder,
 * the commit graph in one SQLite file. Both are safe to share between processes on one machine,
 * so the CLI and a long-running local engine can work on the same home at once.
 *
 * Layout of a Strata home (`.strata/` by default):
 *   objects/        one file per object, at its key's path (`packs/ab/<id>`, `nodes/ab/<hash>`, …)
 *   graph.sqlite    the KV store (with its -wal and -shm files while in use)
 */
import { join } from 'node:path';
import { FsObjectStore } from './fs-object-store.ts';
import { SqliteKvStore } from './sqlite-kv-store.ts';

export { FsObjectStore } from './fs-object-store.ts';
export { SqliteKvStore } from './sqlite-kv-store.ts';

export interface LocalBackend {
  readonly objects: FsObjectStore;
  readonly kv: SqliteKvStore;
  /** Closes the database. The object store holds nothing open between calls. */
  close(): void;
}

/** Opens (creating when absent) the storage of the Strata home at `home`. */
export function openLocalBackend(home: string): LocalBackend {
  const objects = new FsObjectStore(join(home, 'objects'));
  const kv = new SqliteKvStore(join(home, 'graph.sqlite'));
  return { objects, kv, close: () => kv.close() };
}
export { type ExecutorCapabilities, ProcessExecutor, type ProcessExecutorProps } from './process-executor.ts';
export { WorkerChunkHasher } from './worker-chunk-hasher.ts';
