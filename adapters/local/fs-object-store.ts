import { randomUUID } from 'node:crypto';
import { type Dirent, mkdirSync } from 'node:fs';
import { type FileHandle, link, lstat, mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  ConflictError,
  InvalidArgumentError,
  isStrataError,
  NotFoundError,
  type StrataError,
  UnavailableError,
} from '../../versioning/errors.ts';
import type { ByteRange, ListOptions, ObjectInfo, ObjectStore, Page } from '../../versioning/ports.ts';
import {
  assertKeyPrefix,
  assertRangeWithin,
  assertStorageKey,
  pageLimit,
  prefixUpperBound,
} from '../storage-rules.ts';

/**
 * Where writes are staged before they appear under their key. Its name holds a space, which no
 * key may contain, so it can never collide with an object's folder and listings skip it.
 */
export const PARTIAL_DIR = '.partial writes';

/**
 * An ObjectStore in a directory: the object `nodes/ab/<hash>` is the file `<root>/nodes/ab/<hash>`.
 *
 * Rules it keeps:
 * - An object appears whole or not at all: bytes are written and fsynced under a private name,
 *   then hard-linked to the key's path. `link` fails when the name exists, which makes
 *   put-if-absent atomic across threads and processes; the directory is fsynced afterwards, so an
 *   object reported as written survives a crash.
 * - Keys are '/'-separated names without empty, '.' or '..' parts or backslashes, so no key can
 *   reach outside the root. A key cannot also be the folder of another key ('a/b' and 'a/b/c').
 * - On a case-insensitive filesystem, keys that differ only in case name the same file; Strata's
 *   own keys are lowercase hex, so this never arises for them.
 */
export class FsObjectStore implements ObjectStore {
  /** The absolute directory holding the objects. */
  readonly root: string;
  readonly #partialDir: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.#partialDir = join(this.root, PARTIAL_DIR);
    try {
      mkdirSync(this.#partialDir, { recursive: true });
    } catch (error) {
      throw this.#failure(error, 'create the object folder', this.#partialDir);
    }
  }

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    const path = this.#pathOf(key);
    const partial = await this.#writePartial(key, bytes);
    try {
      return await this.#publish(key, partial, path);
    } finally {
      // A leftover partial file is invisible to readers; removeAbandonedWrites() clears it later.
      await unlink(partial).catch(() => {});
    }
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const path = this.#pathOf(key);
    try {
      if (range === undefined) {
        const bytes = await readFile(path);
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      }
      return await readRange(key, path, range);
    } catch (error) {
      if (isStrataError(error)) throw error;
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
        throw new NotFoundError(`object ${key} does not exist`);
      }
      throw this.#failure(error, `read object ${key}`, path);
    }
  }

  async head(key: string): Promise<{ size: number } | undefined> {
    const path = this.#pathOf(key);
    try {
      const stats = await stat(path);
      return stats.isFile() ? { size: stats.size } : undefined;
    } catch (error) {
      if (isAbsence(error)) return undefined;
      throw this.#failure(error, `look up object ${key}`, path);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<Page<ObjectInfo>> {
    assertKeyPrefix(prefix);
    const limit = pageLimit(options.limit);
    // Only the folders named in full by the prefix are certain; start the walk at the deepest.
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    if (!folder.split('/').slice(0, -1).every(isKeySegment)) return { items: [] };
    const keys = this.#walk(folder, prefix, options.after);
    const items: ObjectInfo[] = [];
    // Sizes are looked up in parallel, a page at a time; keys deleted since their folder was
    // read drop out, and more are drawn to fill the page.
    for (let exhausted = false; items.length <= limit && !exhausted; ) {
      const batch: string[] = [];
      while (batch.length < limit + 1 - items.length) {
        const next = await keys.next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        batch.push(next.value);
      }
      const sizes = await Promise.all(batch.map((key) => this.#sizeIfPresent(key)));
      batch.forEach((key, i) => {
        const size = sizes[i];
        if (size !== undefined) items.push({ key, size });
      });
    }
    if (items.length <= limit) return { items };
    return { items: items.slice(0, limit), next: items[limit - 1]!.key };
  }

  async delete(key: string): Promise<void> {
    const path = this.#pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      if (isAbsence(error) || errorCode(error) === 'EISDIR' || (await isFolder(path))) return;
      throw this.#failure(error, `delete object ${key}`, path);
    }
  }

  /**
   * Removes staged writes left behind by a process that died mid-put, and returns how many.
   * Only files older than `olderThanMs` are touched, so writes in flight elsewhere are safe.
   */
  async removeAbandonedWrites(olderThanMs = 60 * 60 * 1000): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of await readdir(this.#partialDir).catch(() => [])) {
      const path = join(this.#partialDir, name);
      const stats = await stat(path).catch(() => undefined);
      if (stats?.isFile() && stats.mtimeMs < cutoff) {
        await unlink(path).then(
          () => removed++,
          () => {},
        );
      }
    }
    return removed;
  }

  #pathOf(key: string): string {
    assertStorageKey(key);
    if (!key.split('/').every(isKeySegment)) {
      throw new InvalidArgumentError(
        `invalid object key ${JSON.stringify(key)}: the filesystem store needs '/'-separated names ` +
          `without a leading '/', empty, '.' or '..' parts, or backslashes`,
      );
    }
    return join(this.root, key);
  }

  async #writePartial(key: string, bytes: Uint8Array): Promise<string> {
    const partial = join(this.#partialDir, randomUUID());
    let handle: FileHandle | undefined;
    try {
      handle = await open(partial, 'wx').catch(async (error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
        await mkdir(this.#partialDir, { recursive: true });
        return open(partial, 'wx');
      });
      await handle.writeFile(bytes);
      await handle.sync();
      await handle.close();
      return partial;
    } catch (error) {
      await handle?.close().catch(() => {});
      await unlink(partial).catch(() => {});
      throw this.#failure(error, `write object ${key}`, partial);
    }
  }

  /** Links the fsynced partial file to the key's path: true if this call made it appear. */
  async #publish(key: string, partial: string, path: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await link(partial, path);
        await syncFolder(dirname(path));
        return true;
      } catch (error) {
        const code = errorCode(error);
        if (code === 'EEXIST' && !(await isFolder(path))) return false;
        if (code === 'ENOENT' && attempt === 1) {
          await this.#makeParents(key, path);
          continue;
        }
        throw this.#failure(error, `write object ${key}`, path);
      }
    }
  }

  /** Creates the key's missing folders and fsyncs each new entry, so the path survives a crash. */
  async #makeParents(key: string, path: string): Promise<void> {
    const parent = dirname(path);
    try {
      const firstCreated = await mkdir(parent, { recursive: true });
      if (firstCreated === undefined) return;
      for (let folder = parent; folder !== dirname(firstCreated); folder = dirname(folder)) {
        await syncFolder(folder);
      }
      await syncFolder(dirname(firstCreated));
    } catch (error) {
      throw this.#failure(error, `create the folder for object ${key}`, parent);
    }
  }

  /** Keys under `folder` that start with `prefix` and sort after `after`, in byte order. */
  async *#walk(folder: string, prefix: string, after: string | undefined): AsyncGenerator<string> {
    const path = join(this.root, folder);
    let entries: Dirent[];
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error) {
      if (isAbsence(error)) return;
      throw this.#failure(error, `list objects under ${JSON.stringify(folder)}`, path);
    }
    // A folder's keys sort as its name followed by '/', which is not how names sort on their own.
    const ordered = entries
      .filter((entry) => isKeySegment(entry.name) && (entry.isFile() || entry.isDirectory()))
      .map((entry) => ({ entry, order: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => (a.order < b.order ? -1 : 1));
    for (const { entry } of ordered) {
      if (entry.isDirectory()) {
        const sub = `${folder}${entry.name}/`;
        const overlaps = sub.startsWith(prefix) || prefix.startsWith(sub);
        const allBeforeAfter = after !== undefined && after >= prefixUpperBound(sub);
        if (overlaps && !allBeforeAfter) yield* this.#walk(sub, prefix, after);
        continue;
      }
      const key = `${folder}${entry.name}`;
      if (key.startsWith(prefix) && (after === undefined || key > after)) yield key;
    }
  }

  async #sizeIfPresent(key: string): Promise<number | undefined> {
    const path = join(this.root, key);
    try {
      return (await stat(path)).size;
    } catch (error) {
      if (isAbsence(error)) return undefined; // deleted since the folder was read
      throw this.#failure(error, `look up object ${key}`, path);
    }
  }

  #failure(error: unknown, doing: string, path: string): StrataError {
    const options = { cause: error };
    switch (errorCode(error)) {
      case 'EACCES':
      case 'EPERM':
        return new UnavailableError(
          `cannot ${doing}: permission denied on ${path}; make ${this.root} readable and writable by this user`,
          options,
        );
      case 'ENOSPC':
        return new UnavailableError(
          `cannot ${doing}: no space left on the disk holding ${this.root}`,
          options,
        );
      case 'EDQUOT':
        return new UnavailableError(`cannot ${doing}: the disk quota for ${this.root} is used up`, options);
      case 'EROFS':
        return new UnavailableError(`cannot ${doing}: ${this.root} is on a read-only filesystem`, options);
      case 'EMFILE':
      case 'ENFILE':
        return new UnavailableError(
          `cannot ${doing}: too many open files; raise the limit (ulimit -n) or lower the concurrency`,
          options,
        );
      case 'ENOTSUP':
      case 'EOPNOTSUPP':
        return new UnavailableError(
          `cannot ${doing}: the filesystem holding ${this.root} does not support hard links, which ` +
            'atomic put-if-absent needs; keep the Strata home on a local disk (ext4, APFS, NTFS, …)',
          options,
        );
      case 'ENAMETOOLONG':
        return new InvalidArgumentError(
          `cannot ${doing}: the path is too long for the filesystem; each '/'-separated part of a key may be at most 255 bytes`,
          options,
        );
      case 'ENOTDIR':
      case 'EEXIST':
      case 'EISDIR':
        return new ConflictError(
          `cannot ${doing}: ${path} clashes with another object, because one key is the folder of ` +
            `the other ('a/b' beside 'a/b/c'); the filesystem store cannot hold both`,
          options,
        );
      default:
        return new UnavailableError(`cannot ${doing} at ${path}: ${String(error)}`, options);
    }
  }
}

async function readRange(key: string, path: string, range: ByteRange): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotFoundError(`object ${key} does not exist`);
    assertRangeWithin(key, range, stats.size);
    const bytes = new Uint8Array(range.length);
    let filled = 0;
    while (filled < range.length) {
      const { bytesRead } = await handle.read(bytes, filled, range.length - filled, range.offset + filled);
      if (bytesRead === 0) throw new Error(`${path} ended early: it was ${stats.size} bytes when opened`);
      filled += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Fsyncs a folder so that entries just added to it survive a crash. */
async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot fsync a folder; their filesystems journal entries anyway.
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

function isKeySegment(name: string): boolean {
  return /^[\x21-\x7e]+$/.test(name) && name !== '.' && name !== '..' && !name.includes('\\');
}

async function isFolder(path: string): Promise<boolean> {
  return lstat(path).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
}

function isAbsence(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
