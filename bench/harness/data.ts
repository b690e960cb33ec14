/**
 * Deterministic input data. Every byte comes from an AES-128-CTR keystream keyed by SHA-256 of a
 * seed string: the same seed gives the same bytes on every machine and run, at memory speed,
 * and the bytes are incompressible like real media or already-compressed data.
 */
import { type Cipher, createCipheriv, createHash } from 'node:crypto';
import { copyFile, mkdir, open, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const BLOCK = 4 * 1024 * 1024;
const ZEROS = Buffer.alloc(BLOCK);

export class Keystream {
  readonly #cipher: Cipher;

  constructor(seed: string) {
    const key = createHash('sha256').update(seed).digest();
    this.#cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  }

  bytes(length: number): Buffer {
    if (length <= BLOCK) return this.#cipher.update(ZEROS.subarray(0, length));
    return this.#cipher.update(Buffer.alloc(length));
  }

  /** A whole number in [min, max]. */
  between(min: number, max: number): number {
    return min + (this.bytes(4).readUInt32LE(0) % (max - min + 1));
  }
}

/** Writes `size` pseudo-random bytes to `path`. */
export async function writeRandomFile(path: string, size: number, seed: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const stream = new Keystream(seed);
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < size; ) {
      const length = Math.min(BLOCK, size - written);
      await file.write(stream.bytes(length));
      written += length;
    }
  } finally {
    await file.close();
  }
}

export interface RewrittenRegion {
  readonly offset: number;
  readonly length: number;
}

/**
 * Copies `source` to `target` and overwrites `count` regions of `length` bytes with new random
 * bytes: region i starts at a random place inside the i-th of `count` equal slices of the file,
 * so the changes are spread out and none touches another.
 */
export async function rewriteRegions(
  source: string,
  target: string,
  count: number,
  length: number,
  seed: string,
): Promise<RewrittenRegion[]> {
  await mkdir(dirname(target), { recursive: true });
  await copyFile(source, target);
  const file = await open(target, 'r+');
  try {
    const { size } = await file.stat();
    const slice = Math.floor(size / count);
    if (slice < length)
      throw new Error(`cannot place ${count} regions of ${length} bytes in a file of ${size} bytes`);
    const stream = new Keystream(seed);
    const regions: RewrittenRegion[] = [];
    for (let i = 0; i < count; i++) {
      const offset = i * slice + stream.between(0, slice - length);
      await file.write(stream.bytes(length), 0, length, offset);
      regions.push({ offset, length });
    }
    return regions;
  } finally {
    await file.close();
  }
}

export interface GeneratedFile {
  /** Relative to the tree's root, '/'-separated, no leading '/'. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

/**
 * `count` text files of 1–4 KiB (base64 lines, like configs or CSV) spread evenly over
 * `folders` folders: `dir-000/file-00000.txt`.
 */
export function* smallFiles(count: number, folders: number, seed: string): Generator<GeneratedFile> {
  const stream = new Keystream(seed);
  const perFolder = Math.ceil(count / folders);
  for (let i = 0; i < count; i++) {
    const size = stream.between(1024, 4096);
    const text = stream.bytes(Math.ceil((size * 3) / 4)).toString('base64');
    const lines = text.replace(/(.{76})/g, '$1\n').slice(0, size);
    const folder = String(Math.floor(i / perFolder)).padStart(3, '0');
    yield { path: `dir-${folder}/file-${String(i).padStart(5, '0')}.txt`, bytes: Buffer.from(lines) };
  }
}

export async function writeSmallFiles(
  root: string,
  count: number,
  folders: number,
  seed: string,
): Promise<number> {
  let bytes = 0;
  const made = new Set<string>();
  for (const file of smallFiles(count, folders, seed)) {
    const path = join(root, file.path);
    const dir = dirname(path);
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    await writeFile(path, file.bytes);
    bytes += file.bytes.length;
  }
  return bytes;
}

/**
 * The path of file `index` of a many-file tree: 100 files per folder, 100 folders per top
 * folder (`/t0042/m17/f003.txt`), as a large dataset of small records is often laid out.
 */
export function manyFilePath(index: number): string {
  const top = String(Math.floor(index / 10_000)).padStart(4, '0');
  const middle = String(Math.floor(index / 100) % 100).padStart(2, '0');
  const leaf = String(index % 100).padStart(3, '0');
  return `/t${top}/m${middle}/f${leaf}.txt`;
}

/** The small content of file `index` in `version`: unique per file and version, 40–60 bytes. */
export function manyFileContent(index: number, version: number, seed: string): Uint8Array {
  const digest = createHash('sha256').update(`${seed}/${index}/${version}`).digest('hex');
  return Buffer.from(`record ${index} v${version} ${digest.slice(0, 16 + (index % 21))}\n`);
}

/** Which `changed` files of `count` the second commit rewrites: spread evenly over the tree. */
export function changedIndexes(count: number, changed: number): number[] {
  const step = Math.floor(count / changed);
  return Array.from({ length: changed }, (_, i) => i * step + ((i * 37) % step));
}
