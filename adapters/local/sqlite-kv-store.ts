import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type SQLOutputValue, type StatementSync } from 'node:sqlite';
import {
  CorruptDataError,
  isStrataError,
  type StrataError,
  UnavailableError,
} from '../../versioning/errors.ts';
import type { KvItem, KvStore, ListOptions, Page } from '../../versioning/ports.ts';
import { assertKeyPrefix, assertStorageKey, pageLimit, prefixUpperBound } from '../storage-rules.ts';

/** How long a write waits for another process's transaction before giving up. */
const BUSY_TIMEOUT_MS = 10_000;
/** Rows per write transaction in putMany: long enough to amortise the commit, short enough not to starve other processes. */
const WRITE_BATCH = 5_000;
/** Keys per query in getMany. */
const READ_BATCH = 500;

/**
 * A KvStore in one SQLite file, shared safely by several processes at once (the CLI beside a
 * long-running local engine).
 *
 * Rules it keeps:
 * - Every conditional write is one statement (`INSERT … ON CONFLICT DO NOTHING`,
 *   `UPDATE … WHERE version = ?`), so SQLite's write lock makes it atomic across processes with
 *   no read-then-write window.
 * - WAL mode: readers never wait for a writer; writers queue for up to 10 s (busy_timeout), and
 *   only then fail with UnavailableError. `synchronous = NORMAL` means a power cut may lose the
 *   last commits, never corrupt the file.
 * - Values are read as bytes and decoded here, because node:sqlite cuts text at the first NUL.
 *
 * The driver is synchronous: a write that waits for another process's lock blocks this thread.
 */
export class SqliteKvStore implements KvStore {
  /** The absolute path of the database file. */
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #sql: Statements;

  constructor(path: string) {
    this.path = resolve(path);
    let db: DatabaseSync | undefined;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      db = new DatabaseSync(this.path);
      // busy_timeout first, so that switching to WAL also waits for other processes.
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec(
        'CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID',
      );
      this.#sql = prepareStatements(db);
      this.#db = db;
    } catch (error) {
      if (db?.isOpen) db.close();
      throw this.#failure(error, 'open the database');
    }
  }

  async get(key: string): Promise<KvItem | undefined> {
    assertStorageKey(key);
    return this.#run(`read ${key}`, () => {
      const row = this.#sql.get.get(key);
      return row === undefined ? undefined : this.#toItem({ ...row, key });
    });
  }

  async getMany(keys: readonly string[]): Promise<(KvItem | undefined)[]> {
    for (const key of keys) assertStorageKey(key);
    return this.#run(`read ${keys.length} keys`, () => {
      const found = new Map<string, KvItem>();
      for (let start = 0; start < keys.length; start += READ_BATCH) {
        const batch = JSON.stringify(keys.slice(start, start + READ_BATCH));
        for (const row of this.#sql.getMany.all(batch)) {
          const item = this.#toItem(row);
          found.set(item.key, item);
        }
      }
      return keys.map((key) => found.get(key));
    });
  }

  async putIfAbsent(key: string, value: string): Promise<boolean> {
    assertStorageKey(key);
    return this.#run(`create ${key}`, () => this.#sql.insertIfAbsent.run(key, value).changes === 1);
  }

  async putMany(items: readonly { key: string; value: string }[]): Promise<void> {
    for (const { key } of items) assertStorageKey(key);
    this.#run(`write ${items.length} keys`, () => {
      for (let start = 0; start < items.length; start += WRITE_BATCH) {
        this.#inTransaction(() => {
          for (const { key, value } of items.slice(start, start + WRITE_BATCH)) {
            this.#sql.upsert.run(key, value);
          }
        });
      }
    });
  }

  async compareAndSet(key: string, expectedVersion: number, value: string): Promise<boolean> {
    assertStorageKey(key);
    return this.#run(
      `update ${key}`,
      () => this.#sql.compareAndSet.run(value, key, expectedVersion).changes === 1,
    );
  }

  async delete(key: string, expectedVersion?: number): Promise<boolean> {
    assertStorageKey(key);
    return this.#run(`delete ${key}`, () => {
      const result =
        expectedVersion === undefined
          ? this.#sql.delete.run(key)
          : this.#sql.deleteAtVersion.run(key, expectedVersion);
      return result.changes === 1;
    });
  }

  async scan(prefix: string, options: ListOptions = {}): Promise<Page<KvItem>> {
    assertKeyPrefix(prefix);
    const limit = pageLimit(options.limit);
    const { after } = options;
    return this.#run(`scan ${JSON.stringify(prefix)}`, () => {
      const upper = prefixUpperBound(prefix);
      // One more row than asked tells whether a next page exists.
      const rows =
        after !== undefined && after >= prefix
          ? this.#sql.scanAfter.all(after, upper, limit + 1)
          : this.#sql.scanFrom.all(prefix, upper, limit + 1);
      const items = rows.slice(0, limit).map((row) => this.#toItem(row));
      const last = items.at(-1);
      return rows.length > limit && last !== undefined ? { items, next: last.key } : { items };
    });
  }

  /** Closes the database; later calls fail with UnavailableError. Closing twice is harmless. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #inTransaction(work: () => void): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #run<T>(doing: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw isStrataError(error) ? error : this.#failure(error, doing);
    }
  }

  #toItem(row: Record<string, SQLOutputValue>): KvItem {
    const { key, value, version } = row;
    if (typeof key !== 'string' || !(value instanceof Uint8Array) || typeof version !== 'number') {
      throw new CorruptDataError(
        `the kv table in ${this.path} holds a malformed row for ${JSON.stringify(key)}: ` +
          'expected a text key and value and an integer version; restore the file from a backup',
      );
    }
    return { key, value: utf8.decode(value), version };
  }

  #failure(error: unknown, doing: string): StrataError {
    const options = { cause: error };
    const where = `the database ${this.path}`;
    if (!(error instanceof Error))
      return new UnavailableError(`cannot ${doing} in ${where}: ${String(error)}`);
    if ('code' in error && error.code === 'ERR_INVALID_STATE') {
      return new UnavailableError(`cannot ${doing}: ${where} has been closed`, options);
    }
    // SQLite's primary result code is the low byte of its extended code.
    const primary =
      'errcode' in error && typeof error.errcode === 'number' ? error.errcode & 0xff : undefined;
    switch (primary) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return new UnavailableError(
          `cannot ${doing}: ${where} stayed locked by another process for over ${BUSY_TIMEOUT_MS / 1000} s; ` +
            'retry, or stop the process holding it',
          options,
        );
      case SQLITE_FULL:
        return new UnavailableError(`cannot ${doing}: the disk holding ${where} is full`, options);
      case SQLITE_READONLY:
      case SQLITE_PERM:
      case SQLITE_CANTOPEN:
        return new UnavailableError(
          `cannot ${doing}: ${where} cannot be opened for writing; check that this user may write it and its folder`,
          options,
        );
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
        return new CorruptDataError(
          `cannot ${doing}: ${where} is damaged or not a SQLite database; restore it from a backup`,
          options,
        );
      default:
        return new UnavailableError(`cannot ${doing} in ${where}: ${error.message}`, options);
    }
  }
}

const SQLITE_PERM = 3;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

const utf8 = new TextDecoder('utf-8');

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: DatabaseSync) {
  const prepare = (sql: string): StatementSync => db.prepare(sql);
  const columns = 'key, CAST(value AS BLOB) AS value, version';
  return {
    get: prepare('SELECT CAST(value AS BLOB) AS value, version FROM kv WHERE key = ?'),
    getMany: prepare(`SELECT ${columns} FROM kv WHERE key IN (SELECT value FROM json_each(?))`),
    insertIfAbsent: prepare(
      'INSERT INTO kv (key, value, version) VALUES (?, ?, 1) ON CONFLICT (key) DO NOTHING',
    ),
    upsert: prepare(
      'INSERT INTO kv (key, value, version) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = 1',
    ),
    compareAndSet: prepare('UPDATE kv SET value = ?, version = version + 1 WHERE key = ? AND version = ?'),
    delete: prepare('DELETE FROM kv WHERE key = ?'),
    deleteAtVersion: prepare('DELETE FROM kv WHERE key = ? AND version = ?'),
    scanFrom: prepare(`SELECT ${columns} FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`),
    scanAfter: prepare(`SELECT ${columns} FROM kv WHERE key > ? AND key < ? ORDER BY key LIMIT ?`),
  };
}
