/** A versioning service on in-memory stores, and small helpers to write and read files through it. */
import { MemoryKvStore, MemoryObjectStore } from '../../adapters/memory/index.ts';
import type { FileSource } from '../../versioning/api.ts';
import { parseFilePath } from '../../versioning/ids.ts';
import { parseCommitRef, parseFileRef } from '../../versioning/refs.ts';
import { VersioningService } from '../../versioning/service.ts';

export function memoryService() {
  const objects = new MemoryObjectStore();
  const kv = new MemoryKvStore();
  return { objects, kv, service: new VersioningService({ objects, kv }) };
}

export function source(path: string, content: string | Uint8Array): FileSource {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return {
    path: parseFilePath(path),
    size: bytes.length,
    async *open() {
      yield bytes;
    },
  };
}

export async function put(
  service: VersioningService,
  ref: string,
  files: Record<string, string | Uint8Array>,
) {
  return service.putFiles(
    parseCommitRef(ref),
    Object.entries(files).map(([path, content]) => source(path, content)),
  );
}

export async function readText(service: VersioningService, fileRef: string): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const part of service.readFile(parseFileRef(fileRef))) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

export async function paths(service: VersioningService, ref: string): Promise<string[]> {
  const found: string[] = [];
  for await (const info of service.walkFiles(parseFileRef(ref, { defaultPath: '/', allowRoot: true }))) {
    found.push(info.path);
  }
  return found;
}
