/** Folder sizes, by walking them: what a store has written, whatever its layout. */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface FolderUsage {
  /** Logical bytes of every regular file under the folder. */
  readonly bytes: number;
  readonly files: number;
  /** Bytes under each top-level entry (`packs`, `nodes`, … for a Strata objects folder). */
  readonly byTop: Readonly<Record<string, number>>;
}

export async function folderUsage(root: string): Promise<FolderUsage> {
  const byTop: Record<string, number> = {};
  let bytes = 0;
  let files = 0;
  const walk = async (dir: string, top: string | undefined): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const group = top ?? entry.name;
      if (entry.isDirectory()) {
        await walk(path, group);
      } else if (entry.isFile()) {
        const { size } = await lstat(path);
        bytes += size;
        files++;
        byTop[group] = (byTop[group] ?? 0) + size;
      }
    }
  };
  await walk(root, undefined);
  return { bytes, files, byTop };
}

/** What `after` holds beyond `before`, in total and per top-level entry. */
export function usageGrowth(before: FolderUsage, after: FolderUsage): FolderUsage {
  const byTop: Record<string, number> = {};
  for (const top of new Set([...Object.keys(before.byTop), ...Object.keys(after.byTop)])) {
    byTop[top] = (after.byTop[top] ?? 0) - (before.byTop[top] ?? 0);
  }
  return { bytes: after.bytes - before.bytes, files: after.files - before.files, byTop };
}
