/** Generated files as the service's FileSource, made lazily so that no list of them is held. */
import type { FileSource } from '../../versioning/api.ts';
import { parseFilePath } from '../../versioning/ids.ts';
import { type GeneratedFile, manyFileContent, manyFilePath } from '../harness/data.ts';

function sourceOf(path: string, bytes: Uint8Array): FileSource {
  return {
    path: parseFilePath(path),
    size: bytes.length,
    async *open() {
      yield bytes;
    },
  };
}

export function* generatedSources(files: Iterable<GeneratedFile>): Generator<FileSource> {
  for (const file of files) yield sourceOf(`/${file.path}`, file.bytes);
}

/** Files `indexes` of the many-file tree, in `version`, in path order. */
export function* manyFileSources(
  indexes: Iterable<number>,
  version: number,
  seed: string,
): Generator<FileSource> {
  for (const index of indexes) yield sourceOf(manyFilePath(index), manyFileContent(index, version, seed));
}

export function* range(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}
