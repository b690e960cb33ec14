import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore, SqliteKvStore } from '../../adapters/local/index.ts';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../../versioning/errors.ts';
import { describeKvStoreContract } from './kv-store.contract.ts';
import { describeObjectStoreContract } from './object-store.contract.ts';

async function freshFolder(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'strata-contract-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

describeObjectStoreContract('local filesystem', async () => {
  const folder = await freshFolder();
  return { store: new FsObjectStore(join(folder.path, 'objects')), cleanup: folder.remove };
});

describeKvStoreContract('local SQLite', async () => {
  const folder = await freshFolder();
  const store = new SqliteKvStore(join(folder.path, 'graph.sqlite'));
  return {
    store,
    cleanup: async () => {
      store.close();
      await folder.remove();
    },
  };
});

/** Rules the filesystem adds to the port's key rules, so that no key can name a path outside the root. */
describe('FsObjectStore keys', () => {
  let folder: { path: string; remove(): Promise<void> };
  let store: FsObjectStore;

  beforeEach(async () => {
    folder = await freshFolder();
    store = new FsObjectStore(join(folder.path, 'objects'));
  });

  afterEach(async () => {
    await folder.remove();
  });

  it.each([
    ['absolute', '/etc/passwd'],
    ['climbing out with ..', 'nodes/../../escape'],
    ['with a backslash', 'nodes\\ab\\x'],
    ['with an empty part', 'nodes//x'],
    ['ending in /', 'nodes/ab/'],
    ['with a . part', 'nodes/./x'],
  ])('rejects a key %s with InvalidArgumentError naming the key', async (_, key) => {
    const attempts = [
      () => store.putIfAbsent(key, new Uint8Array(1)),
      () => store.get(key),
      () => store.head(key),
      () => store.delete(key),
    ];

    for (const attempt of attempts) await expect(attempt()).rejects.toThrow(InvalidArgumentError);
    await expect(store.get(key)).rejects.toThrow(JSON.stringify(key));
    expect(await readdir(folder.path)).toEqual(['objects']);
  });

  it('answers a key that is also the folder of another key with ConflictError', async () => {
    await store.putIfAbsent('a/b', new Uint8Array([1]));
    await store.putIfAbsent('c/d/e', new Uint8Array([2]));

    await expect(store.putIfAbsent('a/b/c', new Uint8Array([3]))).rejects.toThrow(ConflictError);
    await expect(store.putIfAbsent('c/d', new Uint8Array([4]))).rejects.toThrow(ConflictError);
    expect(await store.head('c/d')).toBeUndefined();
    await expect(store.get('c/d')).rejects.toThrow(NotFoundError);
  });
});
