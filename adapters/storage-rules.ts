/**
 * The argument rules of the storage ports (versioning/ports.ts), checked the same way by every
 * adapter so that a key, page size or byte range one backend accepts is accepted by all of them.
 * Keys are printable ASCII, so JavaScript's string order is their byte order.
 */
import { InvalidArgumentError } from '../versioning/errors.ts';
import type { ByteRange } from '../versioning/ports.ts';

/** Printable ASCII without the space: 0x21–0x7e. */
const KEY_RULE = /^[\x21-\x7e]+$/;
const PREFIX_RULE = /^[\x21-\x7e]*$/;

/** Throws InvalidArgumentError unless `key` is a non-empty string of printable ASCII. */
export function assertStorageKey(key: string): void {
  if (!KEY_RULE.test(key)) {
    throw new InvalidArgumentError(
      `invalid storage key ${JSON.stringify(key)}: keys are non-empty printable ASCII (0x21–0x7e), such as 'nodes/ab/<hash>'`,
    );
  }
}

/** Throws InvalidArgumentError unless `prefix` is printable ASCII (it may be empty). */
export function assertKeyPrefix(prefix: string): void {
  if (!PREFIX_RULE.test(prefix)) {
    throw new InvalidArgumentError(
      `invalid key prefix ${JSON.stringify(prefix)}: prefixes are printable ASCII (0x21–0x7e), or empty for all keys`,
    );
  }
}

export const DEFAULT_PAGE_LIMIT = 1000;

/** The page size a listing asked for: a positive integer, 1000 when not given. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidArgumentError(`invalid page limit ${limit}: give a whole number of at least 1`);
  }
  return limit;
}

/**
 * The smallest string greater than every key that starts with `prefix`, for range scans. Keys
 * stop at 0x7e, so raising the prefix's last character by one is enough.
 */
export function prefixUpperBound(prefix: string): string {
  if (prefix === '') return '\x7f';
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Throws InvalidArgumentError unless `range` lies within an object of `size` bytes. */
export function assertRangeWithin(key: string, range: ByteRange, size: number): void {
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new InvalidArgumentError(
      `invalid byte range ${JSON.stringify(range)} for object ${key}: offset and length are whole numbers ≥ 0`,
    );
  }
  if (offset + length > size) {
    throw new InvalidArgumentError(
      `byte range ${offset}+${length} is beyond the end of object ${key} (${size} bytes): ask for at most ${Math.max(0, size - offset)} bytes from offset ${offset}`,
    );
  }
}
