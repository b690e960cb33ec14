/**
 * Where the CLI's data lives and how the service is opened on it. The embedded backend keeps
 * everything in one folder: `$STRATA_HOME` when set, else `./.strata`, created on first use.
 * Commands open it only once their arguments have been parsed, so `--help`, usage errors and
 * invalid input never create or touch a store.
 */
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { VersioningApi } from '../versioning/api.ts';
import { InvalidArgumentError } from '../versioning/errors.ts';

export function strataHome(): string {
  const fromEnv = process.env.STRATA_HOME;
  return resolve(fromEnv !== undefined && fromEnv !== '' ? fromEnv : '.strata');
}

/** Opens the service on the store at `home`, runs `work`, and closes the store whatever happens. */
export async function withService<T>(
  work: (service: VersioningApi) => Promise<T>,
  home: string = strataHome(),
): Promise<T> {
  // Loaded here, not at the top: --help, `version` and usage errors then start in half the time.
  const [{ openLocalBackend }, { VersioningService }] = await Promise.all([
    import('../adapters/local/index.ts'),
    import('../versioning/service.ts'),
  ]);
  if (statSync(home, { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new InvalidArgumentError(
      `STRATA_HOME ${JSON.stringify(home)} is not a directory: point it at a folder, or unset it to use ./.strata`,
    );
  }
  mkdirSync(home, { recursive: true });
  const backend = openLocalBackend(home);
  try {
    return await work(new VersioningService({ objects: backend.objects, kv: backend.kv }));
  } finally {
    backend.close();
  }
}
