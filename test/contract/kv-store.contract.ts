/**
 * The KvStore contract (versioning/ports.ts): every adapter runs this one suite, so the commit
 * graph can rely on the same compare-and-set and scan behaviour from memory, SQLite and DynamoDB.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { allPages, type KvStore } from '../../versioning/ports.ts';

export interface KvStoreUnderTest {
  readonly store: KvStore;
  cleanup(): Promise<void>;
}

export function describeKvStoreContract(name: string, makeStore: () => Promise<KvStoreUnderTest>): void {
  describe(`KvStore contract: ${name}`, () => {
    let store: KvStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });

    afterEach(async () => {
      await cleanup();
    });

    async function putAll(keys: readonly string[]): Promise<void> {
      for (const key of keys) await store.putIfAbsent(key, `value of ${key}`);
    }

    async function scanAll(prefix: string, limit?: number): Promise<string[]> {
      const keys: string[] = [];
      for await (const item of allPages((after) => store.scan(prefix, { after, limit }))) keys.push(item.key);
      return keys;
    }

    /** Adds one to a counter the way the graph moves a branch head: read, then CAS, retry on loss. */
    async function increment(key: string): Promise<void> {
      for (;;) {
        const current = await store.get(key);
        if (current === undefined) throw new Error(`counter ${key} vanished`);
        const next = String(Number(current.value) + 1);
        if (await store.compareAndSet(key, current.version, next)) return;
      }
    }

    describe('get', () => {
      it('returns undefined for an absent key', async () => {
        await store.putIfAbsent('repo/other', 'x');

        expect(await store.get('repo/absent')).toBeUndefined();
      });
    });

    describe('putIfAbsent', () => {
      it('writes a new key at version 1 and returns true', async () => {
        const written = await store.putIfAbsent('repo/images', '{"created":1}');

        expect(written).toBe(true);
        expect(await store.get('repo/images')).toEqual({
          key: 'repo/images',
          value: '{"created":1}',
          version: 1,
        });
      });

      it('returns false and keeps the first value and version when the key exists', async () => {
        await store.putIfAbsent('repo/images', 'first');

        const written = await store.putIfAbsent('repo/images', 'second');

        expect(written).toBe(false);
        expect(await store.get('repo/images')).toEqual({ key: 'repo/images', value: 'first', version: 1 });
      });

      it('round-trips empty, non-ASCII, NUL-bearing and 300 KB values unchanged', async () => {
        const large = 'x'.repeat(300 * 1024);
        const unicode = 'größe → 大きさ 📦 "quoted" \\ back\nslash \0 after NUL';

        await store.putIfAbsent('v/empty', '');
        await store.putIfAbsent('v/unicode', unicode);
        await store.putIfAbsent('v/large', large);

        expect((await store.get('v/empty'))?.value).toBe('');
        expect((await store.get('v/unicode'))?.value).toBe(unicode);
        expect((await store.get('v/large'))?.value).toBe(large);
      });

      it.each([
        ['empty', ''],
        ['with a space', 'branch/my branch'],
        ['with NUL', 'branch/a\0b'],
        ['with non-ASCII', 'branch/ü'],
      ])('rejects a key %s with InvalidArgumentError naming the key', async (_, key) => {
        const attempt = store.putIfAbsent(key, 'x');

        await expect(attempt).rejects.toThrow(InvalidArgumentError);
        await expect(attempt).rejects.toThrow(JSON.stringify(key));
      });
    });

    describe('compareAndSet', () => {
      it('replaces the value and bumps the version when the expected version matches', async () => {
        await store.putIfAbsent('head/main', 'c1');

        const won = await store.compareAndSet('head/main', 1, 'c2');

        expect(won).toBe(true);
        expect(await store.get('head/main')).toEqual({ key: 'head/main', value: 'c2', version: 2 });
      });

      it('returns false and changes nothing when the version has moved on', async () => {
        await store.putIfAbsent('head/main', 'c1');
        await store.compareAndSet('head/main', 1, 'c2');

        const won = await store.compareAndSet('head/main', 1, 'stale');

        expect(won).toBe(false);
        expect(await store.get('head/main')).toEqual({ key: 'head/main', value: 'c2', version: 2 });
      });

      it('returns false and creates nothing when the key is absent', async () => {
        const won = await store.compareAndSet('head/absent', 1, 'c1');

        expect(won).toBe(false);
        expect(await store.get('head/absent')).toBeUndefined();
      });

      it('ends at exactly 32 after 32 concurrent read-CAS-retry increments', async () => {
        await store.putIfAbsent('counter', '0');

        await Promise.all(Array.from({ length: 32 }, () => increment('counter')));

        expect(await store.get('counter')).toEqual({ key: 'counter', value: '32', version: 33 });
      });
    });

    describe('delete', () => {
      it('removes the key and returns true when no version is given', async () => {
        await store.putIfAbsent('job/1', 'x');
        await store.compareAndSet('job/1', 1, 'y');

        const removed = await store.delete('job/1');

        expect(removed).toBe(true);
        expect(await store.get('job/1')).toBeUndefined();
      });

      it('returns false for an absent key', async () => {
        expect(await store.delete('job/absent')).toBe(false);
        expect(await store.delete('job/absent', 1)).toBe(false);
      });

      it('removes the key only while the expected version still matches', async () => {
        await store.putIfAbsent('job/1', 'x');
        await store.compareAndSet('job/1', 1, 'y');

        const withStaleVersion = await store.delete('job/1', 1);
        const keptAfterStale = await store.get('job/1');
        const withCurrentVersion = await store.delete('job/1', 2);

        expect(withStaleVersion).toBe(false);
        expect(keptAfterStale).toEqual({ key: 'job/1', value: 'y', version: 2 });
        expect(withCurrentVersion).toBe(true);
        expect(await store.get('job/1')).toBeUndefined();
      });

      it('lets a deleted key be created again at version 1', async () => {
        await store.putIfAbsent('job/1', 'x');
        await store.compareAndSet('job/1', 1, 'y');
        await store.delete('job/1');

        const written = await store.putIfAbsent('job/1', 'z');

        expect(written).toBe(true);
        expect(await store.get('job/1')).toEqual({ key: 'job/1', value: 'z', version: 1 });
      });
    });

    describe('scan', () => {
      it('returns the items under the prefix in byte order, not neighbours that share its start', async () => {
        await putAll(['a/2', 'a0', 'b', 'a/10', 'a', 'a/', 'a/1/x', 'a.', 'A/1']);

        const page = await store.scan('a/');

        expect(page.items.map((item) => item.key)).toEqual(['a/', 'a/1/x', 'a/10', 'a/2']);
        expect(page.items[1]).toEqual({ key: 'a/1/x', value: 'value of a/1/x', version: 1 });
        expect(page.next).toBeUndefined();
      });

      it('matches a prefix ending in "~", the highest key character', async () => {
        await putAll(['x~', 'x~/1', 'x~~', 'y', 'x}']);

        expect(await scanAll('x~')).toEqual(['x~', 'x~/1', 'x~~']);
      });

      it('returns every key for the empty prefix', async () => {
        await putAll(['repo/b', '!first', 'repo/a', '~last']);

        expect(await scanAll('')).toEqual(['!first', 'repo/a', 'repo/b', '~last']);
      });

      it('returns at most `limit` items per page and every item across the pages', async () => {
        const keys = ['c/01', 'c/02', 'c/03', 'c/04', 'c/05', 'c/06', 'c/07'];
        await putAll([...keys].reverse());

        const first = await store.scan('c/', { limit: 3 });

        expect(first.items.length).toBeLessThanOrEqual(3);
        expect(first.next).toBeDefined();
        expect(await scanAll('c/', 3)).toEqual(keys);
        expect(await scanAll('c/', 1)).toEqual(keys);
      });

      it('pages through more than the default page size of 1000', async () => {
        const keys = Array.from({ length: 1100 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
        await store.putMany(keys.map((key) => ({ key, value: 'x' })));

        const first = await store.scan('many/');

        expect(first.items.length).toBeLessThanOrEqual(1000);
        expect(await scanAll('many/')).toEqual(keys);
      });

      it('starts strictly after `after`, whether or not that key exists', async () => {
        await putAll(['s/a', 's/b', 's/b/1', 's/c']);

        const afterExisting = await store.scan('s/', { after: 's/b' });
        const afterGap = await store.scan('s/', { after: 's/b/0' });
        const beforePrefix = await store.scan('s/', { after: 'r' });
        const pastPrefix = await store.scan('s/', { after: 's/z' });

        expect(afterExisting.items.map((item) => item.key)).toEqual(['s/b/1', 's/c']);
        expect(afterGap.items.map((item) => item.key)).toEqual(['s/b/1', 's/c']);
        expect(beforePrefix.items.map((item) => item.key)).toEqual(['s/a', 's/b', 's/b/1', 's/c']);
        expect(pastPrefix.items).toEqual([]);
      });

      it('returns an empty last page for a prefix with no keys', async () => {
        await putAll(['a/1']);

        expect(await store.scan('b/')).toEqual({ items: [] });
      });

      it('does not return a deleted key', async () => {
        await putAll(['d/1', 'd/2', 'd/3']);

        await store.delete('d/2');

        expect(await scanAll('d/')).toEqual(['d/1', 'd/3']);
      });

      it('rejects a limit below 1 with InvalidArgumentError', async () => {
        await expect(store.scan('', { limit: 0 })).rejects.toThrow(InvalidArgumentError);
      });
    });

    describe('getMany', () => {
      it('returns one result per key in the order asked, with undefined for missing keys', async () => {
        await putAll(['g/1', 'g/2', 'g/3']);

        const items = await store.getMany(['g/3', 'g/missing', 'g/1', 'g/3']);

        expect(items).toEqual([
          { key: 'g/3', value: 'value of g/3', version: 1 },
          undefined,
          { key: 'g/1', value: 'value of g/1', version: 1 },
          { key: 'g/3', value: 'value of g/3', version: 1 },
        ]);
      });

      it('returns an empty array for no keys', async () => {
        expect(await store.getMany([])).toEqual([]);
      });

      it('answers a batch larger than one backend request', async () => {
        const keys = Array.from({ length: 2345 }, (_, i) => `chunk/${i}`);
        await store.putMany(keys.filter((_, i) => i % 3 !== 0).map((key) => ({ key, value: key })));

        const items = await store.getMany(keys);

        expect(items.map((item) => item?.value)).toEqual(
          keys.map((key, i) => (i % 3 !== 0 ? key : undefined)),
        );
      });
    });

    describe('putMany', () => {
      it('writes new items and overwrites existing ones, at version 1, visible to get and scan', async () => {
        await store.putIfAbsent('idx/b', 'old');
        await store.compareAndSet('idx/b', 1, 'older');

        await store.putMany([
          { key: 'idx/a', value: 'A' },
          { key: 'idx/b', value: 'B' },
        ]);

        expect(await store.get('idx/b')).toEqual({ key: 'idx/b', value: 'B', version: 1 });
        expect((await store.scan('idx/')).items).toEqual([
          { key: 'idx/a', value: 'A', version: 1 },
          { key: 'idx/b', value: 'B', version: 1 },
        ]);
      });

      it('writes a batch of 12,000 items', async () => {
        const items = Array.from({ length: 12_000 }, (_, i) => ({ key: `bulk/${i}`, value: `v${i}` }));

        await store.putMany(items);

        expect((await store.get('bulk/0'))?.value).toBe('v0');
        expect((await store.get('bulk/11999'))?.value).toBe('v11999');
        expect(await scanAll('bulk/')).toHaveLength(12_000);
      });

      it('accepts an empty batch', async () => {
        await store.putMany([]);

        expect(await store.scan('')).toEqual({ items: [] });
      });

      it('rejects a batch containing an invalid key with InvalidArgumentError', async () => {
        await expect(
          store.putMany([
            { key: 'ok/1', value: 'x' },
            { key: 'bad key', value: 'y' },
          ]),
        ).rejects.toThrow(InvalidArgumentError);
      });
    });
  });
}
