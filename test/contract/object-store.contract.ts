/**
 * The ObjectStore contract (versioning/ports.ts): every adapter runs this one suite, so the
 * domain can rely on the same behaviour from memory, the local filesystem and S3.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, NotFoundError } from '../../versioning/errors.ts';
import { allPages, type ObjectStore } from '../../versioning/ports.ts';

export interface ObjectStoreUnderTest {
  readonly store: ObjectStore;
  cleanup(): Promise<void>;
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

export function describeObjectStoreContract(
  name: string,
  makeStore: () => Promise<ObjectStoreUnderTest>,
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });

    afterEach(async () => {
      await cleanup();
    });

    async function putAll(keys: readonly string[]): Promise<void> {
      for (const key of keys) await store.putIfAbsent(key, text(key));
    }

    async function listAll(prefix: string, limit?: number): Promise<string[]> {
      const keys: string[] = [];
      const pages = allPages((after) => store.list(prefix, { after, limit }));
      for await (const item of pages) keys.push(item.key);
      return keys;
    }

    describe('putIfAbsent', () => {
      it('returns true and stores the bytes when the key is new', async () => {
        const written = await store.putIfAbsent('nodes/ab/first', text('hello'));

        expect(written).toBe(true);
        expect(await store.get('nodes/ab/first')).toEqual(text('hello'));
      });

      it('returns false and keeps the first bytes when the key exists', async () => {
        await store.putIfAbsent('nodes/ab/same', text('first'));

        const written = await store.putIfAbsent('nodes/ab/same', text('second, longer'));

        expect(written).toBe(false);
        expect(await store.get('nodes/ab/same')).toEqual(text('first'));
      });

      it('lets exactly one of 16 concurrent writers win and stores that candidate whole', async () => {
        const candidates = Array.from({ length: 16 }, (_, i) => randomBytes(64 * 1024 + i));

        const results = await Promise.all(
          candidates.map((bytes) => store.putIfAbsent('packs/cc/contended', bytes)),
        );

        expect(results.filter((won) => won)).toHaveLength(1);
        const winner = candidates[results.indexOf(true)];
        expect(Buffer.from(await store.get('packs/cc/contended')).equals(winner!)).toBe(true);
      });

      it('stores an empty object', async () => {
        await store.putIfAbsent('deltas/00/empty', new Uint8Array(0));

        expect(await store.get('deltas/00/empty')).toEqual(new Uint8Array(0));
        expect(await store.head('deltas/00/empty')).toEqual({ size: 0 });
      });

      it('round-trips a 24 MiB object byte for byte', async () => {
        const bytes = randomBytes(24 * 1024 * 1024);

        await store.putIfAbsent('packs/24/large', bytes);
        const read = await store.get('packs/24/large');

        expect(read.byteLength).toBe(bytes.byteLength);
        expect(Buffer.from(read).equals(bytes)).toBe(true);
      });

      it("keeps its own copy, so changing the caller's array afterwards changes nothing", async () => {
        const bytes = text('original');
        await store.putIfAbsent('nodes/ab/copied', bytes);

        bytes.fill(0);

        expect(await store.get('nodes/ab/copied')).toEqual(text('original'));
      });

      it.each([
        ['empty', ''],
        ['with a space', 'nodes/ab/a b'],
        ['with NUL', 'nodes/ab/a\0b'],
        ['with non-ASCII', 'nodes/ab/ü'],
      ])('rejects a key %s with InvalidArgumentError naming the key', async (_, key) => {
        const attempt = store.putIfAbsent(key, text('x'));

        await expect(attempt).rejects.toThrow(InvalidArgumentError);
        await expect(attempt).rejects.toThrow(JSON.stringify(key));
      });
    });

    describe('get', () => {
      it('returns `length` bytes from `offset` when given a range', async () => {
        await store.putIfAbsent('packs/ab/ranged', text('0123456789'));

        const middle = await store.get('packs/ab/ranged', { offset: 3, length: 4 });
        const tail = await store.get('packs/ab/ranged', { offset: 7, length: 3 });

        expect(new TextDecoder().decode(middle)).toBe('3456');
        expect(new TextDecoder().decode(tail)).toBe('789');
      });

      it('returns single bytes: the first, one in the middle and the last', async () => {
        await store.putIfAbsent('packs/ab/ranged', text('0123456789'));

        const reads = await Promise.all(
          [0, 5, 9].map((offset) => store.get('packs/ab/ranged', { offset, length: 1 })),
        );

        expect(reads.map((read) => new TextDecoder().decode(read))).toEqual(['0', '5', '9']);
      });

      it('returns no bytes for an empty range ending at the end of the object', async () => {
        await store.putIfAbsent('packs/ab/ranged', text('0123456789'));

        const read = await store.get('packs/ab/ranged', { offset: 10, length: 0 });

        expect(read.byteLength).toBe(0);
      });

      it('reads a range from deep inside a large object', async () => {
        const bytes = randomBytes(3 * 1024 * 1024);
        await store.putIfAbsent('packs/ab/big', bytes);

        const read = await store.get('packs/ab/big', { offset: 2_000_001, length: 70_000 });

        expect(Buffer.from(read).equals(bytes.subarray(2_000_001, 2_070_001))).toBe(true);
      });

      it('rejects a range that runs past the end with InvalidArgumentError', async () => {
        await store.putIfAbsent('packs/ab/ranged', text('0123456789'));

        await expect(store.get('packs/ab/ranged', { offset: 8, length: 3 })).rejects.toThrow(
          InvalidArgumentError,
        );
        await expect(store.get('packs/ab/ranged', { offset: 11, length: 0 })).rejects.toThrow(
          InvalidArgumentError,
        );
      });

      it('throws NotFoundError naming the key when the object is absent', async () => {
        const attempt = store.get('nodes/ab/missing');

        await expect(attempt).rejects.toThrow(NotFoundError);
        await expect(attempt).rejects.toThrow('nodes/ab/missing');
      });

      it('throws NotFoundError for a ranged read of an absent object', async () => {
        await expect(store.get('nodes/ab/missing', { offset: 0, length: 1 })).rejects.toThrow(NotFoundError);
      });

      it('returns a copy, so mutating the result does not change the stored object', async () => {
        await store.putIfAbsent('nodes/ab/kept', text('kept'));

        const first = await store.get('nodes/ab/kept');
        first.fill(0);

        expect(await store.get('nodes/ab/kept')).toEqual(text('kept'));
      });
    });

    describe('head', () => {
      it('returns the size of a stored object', async () => {
        await store.putIfAbsent('nodes/ab/sized', text('twelve bytes'));

        expect(await store.head('nodes/ab/sized')).toEqual({ size: 12 });
      });

      it('returns undefined for an absent key', async () => {
        await store.putIfAbsent('nodes/ab/other', text('x'));

        expect(await store.head('nodes/ab/absent')).toBeUndefined();
        expect(await store.head('nodes/ab')).toBeUndefined();
      });
    });

    describe('list', () => {
      it('returns the keys under the prefix in byte order, with their sizes', async () => {
        await putAll(['p/b', 'p/a0', 'p/~', 'p/a/x', 'p/C', 'p/a-b', 'p/!', 'q/a', 'o/z']);

        const page = await store.list('p/');

        expect(page.items).toEqual(
          ['p/!', 'p/C', 'p/a-b', 'p/a/x', 'p/a0', 'p/b', 'p/~'].map((key) => ({ key, size: key.length })),
        );
        expect(page.next).toBeUndefined();
      });

      it('matches the prefix as a string, so "a/b" also matches "a/bc" and "a/b/" does not', async () => {
        await putAll(['a/b/1', 'a/b/2', 'a/bc', 'a/bd/1', 'a/c', 'a/a']);

        expect(await listAll('a/b')).toEqual(['a/b/1', 'a/b/2', 'a/bc', 'a/bd/1']);
        expect(await listAll('a/b/')).toEqual(['a/b/1', 'a/b/2']);
        expect(await listAll('a/bc')).toEqual(['a/bc']);
      });

      it('lists every key for the empty prefix', async () => {
        await putAll(['nodes/ab/1', 'deltas/cd/2', 'packs/ef/3']);

        expect(await listAll('')).toEqual(['deltas/cd/2', 'nodes/ab/1', 'packs/ef/3']);
      });

      it('returns at most `limit` items per page and every key across the pages', async () => {
        const keys = ['k/01', 'k/02', 'k/03', 'k/04', 'k/05', 'k/06', 'k/07'];
        await putAll([...keys].reverse());

        const first = await store.list('k/', { limit: 3 });

        expect(first.items.length).toBeLessThanOrEqual(3);
        expect(first.next).toBeDefined();
        expect(await listAll('k/', 3)).toEqual(keys);
        expect(await listAll('k/', 1)).toEqual(keys);
      });

      it('starts strictly after `after`, whether or not that key exists', async () => {
        await putAll(['k/a', 'k/b/1', 'k/b/2', 'k/c']);

        const afterExisting = await store.list('k/', { after: 'k/b/1' });
        const afterFolder = await store.list('k/', { after: 'k/b' });
        const afterGap = await store.list('k/', { after: 'k/b/10' });
        const beforePrefix = await store.list('k/', { after: 'a' });
        const pastPrefix = await store.list('k/', { after: 'k/z' });

        expect(afterExisting.items.map((item) => item.key)).toEqual(['k/b/2', 'k/c']);
        expect(afterFolder.items.map((item) => item.key)).toEqual(['k/b/1', 'k/b/2', 'k/c']);
        expect(afterGap.items.map((item) => item.key)).toEqual(['k/b/2', 'k/c']);
        expect(beforePrefix.items.map((item) => item.key)).toEqual(['k/a', 'k/b/1', 'k/b/2', 'k/c']);
        expect(pastPrefix.items).toEqual([]);
      });

      it('returns an empty last page for a prefix with no keys', async () => {
        await putAll(['a/1']);

        const page = await store.list('b/');

        expect(page).toEqual({ items: [] });
      });

      it('does not list a deleted object', async () => {
        await putAll(['d/1', 'd/2', 'd/3']);

        await store.delete('d/2');

        expect(await listAll('d/')).toEqual(['d/1', 'd/3']);
      });

      it('rejects a limit below 1 with InvalidArgumentError', async () => {
        await expect(store.list('', { limit: 0 })).rejects.toThrow(InvalidArgumentError);
      });
    });

    describe('delete', () => {
      it('removes the object, so get throws NotFoundError and head returns undefined', async () => {
        await store.putIfAbsent('deltas/ab/gone', text('x'));

        await store.delete('deltas/ab/gone');

        await expect(store.get('deltas/ab/gone')).rejects.toThrow(NotFoundError);
        expect(await store.head('deltas/ab/gone')).toBeUndefined();
      });

      it('does nothing when the object is absent, however often it is called', async () => {
        await store.putIfAbsent('deltas/ab/kept', text('x'));

        await store.delete('deltas/ab/never');
        await store.delete('deltas/ab/never');
        await store.delete('deltas/zz/never');

        expect(await listAll('')).toEqual(['deltas/ab/kept']);
      });

      it('lets a deleted key be written again', async () => {
        await store.putIfAbsent('deltas/ab/again', text('first'));
        await store.delete('deltas/ab/again');

        const written = await store.putIfAbsent('deltas/ab/again', text('second'));

        expect(written).toBe(true);
        expect(await store.get('deltas/ab/again')).toEqual(text('second'));
      });
    });
  });
}
