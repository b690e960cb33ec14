/**
 * Where the CLI's data lives and how the engine is opened on it: the context chosen as
 * cli/contexts.ts says, which is either AWS (S3 + DynamoDB) or the embedded backend. The embedded
 * backend keeps everything in one folder: `$STRATA_HOME` when set, else `./.strata`, created on
 * first use. Commands open a backend only once their arguments have been parsed, so `--help`,
 * usage errors and invalid input never create or touch a store.
 *
 * Without `strata local up`, a command runs the engine in-process: the pipeline jobs its writes
 * cause (and the jobs their outputs cause downstream) run before the command exits, each reported
 * on stderr. With it, writes are published to its event log and the daemon runs the jobs.
 */
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Engine } from '../adapters/local/engine.ts';
import type { VersioningApi } from '../versioning/api.ts';
import { InvalidArgumentError } from '../versioning/errors.ts';
import { type AwsContext, resolveContext } from './contexts.ts';

export function strataHome(): string {
  const fromEnv = process.env.STRATA_HOME;
  return resolve(fromEnv !== undefined && fromEnv !== '' ? fromEnv : '.strata');
}

/**
 * Opens the engine on the context's backend (or the embedded one at `home` when given), runs
 * `work`, waits for the jobs it caused, and closes.
 */
export async function withEngine<T>(work: (engine: Engine) => Promise<T>, home?: string): Promise<T> {
  const { context } =
    home !== undefined ? { context: { backend: 'local' as const, home } } : resolveContext(strataHome);
  const engine =
    context.backend === 'aws' ? await openAwsContext(context) : await openEmbeddedEngine(context.home);
  try {
    const result = await work(engine);
    await engine.idle();
    return result;
  } finally {
    await engine.close();
  }
}

async function openAwsContext(context: AwsContext): Promise<Engine> {
  // Loaded here, not at the top: the AWS SDK takes a while to load and most commands don't need it.
  const { openAwsEngine } = await import('../adapters/aws/engine.ts');
  const { backend: _, ...settings } = context;
  return openAwsEngine(settings, { onJobEvent: reportJobStart });
}

function reportJobStart(job: { pipeline: string; job: string }, event: { type: string }): void {
  if (event.type === 'ExecutionStarted')
    process.stderr.write(`strata: job ${job.pipeline}@${job.job} started\n`);
}

async function openEmbeddedEngine(home: string): Promise<Engine> {
  // Loaded here, not at the top: --help, `version` and usage errors then start in half the time.
  const [{ openLocalEngine }, { isDaemonRunning }, { KvEventLog }] = await Promise.all([
    import('../adapters/local/engine.ts'),
    import('../adapters/local/daemon/pid-file.ts'),
    import('../adapters/local/kv-event-log.ts'),
  ]);
  if (statSync(home, { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new InvalidArgumentError(
      `STRATA_HOME ${JSON.stringify(home)} is not a directory: point it at a folder, or unset it to use ./.strata`,
    );
  }
  mkdirSync(home, { recursive: true });
  // With `strata local up` running, commits are published to its event log and it runs the jobs.
  const daemon = await isDaemonRunning(home);
  return openLocalEngine(home, {
    ...(daemon ? { dispatch: false, busFor: (kv) => new KvEventLog({ kv }) } : {}),
    onJobEvent: reportJobStart,
  });
}

/** The versioning service alone, on the same engine (so writes still fire pipelines). */
export function withService<T>(work: (service: VersioningApi) => Promise<T>, home?: string): Promise<T> {
  return withEngine((engine) => work(engine.versioning), home);
}
