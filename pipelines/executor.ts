/**
 * The Executor port: runs one datum of a job. An executor materialises the datum's input files at
 * /pfs/<input>/…, runs the pipeline's transform with Pachyderm's conventions, and hands back the
 * files the code left in /pfs/out. The local process executor (adapters/local) and the runner
 * beside a Batch or EKS container (runner/) implement it.
 *
 * Rules every executor keeps:
 * - One call is one datum's whole attempt loop: up to `datumTries` attempts; an exit code listed
 *   in `acceptReturnCode` (or 0) is a success; after the last failed attempt `errCmd` runs once.
 * - Every attempt starts with an empty /pfs/out; only a successful attempt's files are output.
 * - Inputs are read-only to the user's code. An attempt that changes them fails, and the next
 *   attempt sees them restored.
 * - A recovered datum (all attempts failed, then err_cmd succeeded) has no output and does not
 *   count as failed, so it does not fail the job (Pachyderm's rule).
 * - `runDatum` resolves for everything the user's code did: a non-zero exit, a timeout, a missing
 *   command, a stop. It rejects only when the request is invalid (InvalidArgumentError) or Strata
 *   itself could not prepare the datum (an input could not be read, the scratch disk failed).
 * - Outputs are read from the executor's scratch space as streams; the caller reads them, then
 *   calls `cleanup()`. Nothing is held in memory.
 */
import { InvalidArgumentError } from '../versioning/errors.ts';
import type { CommitId, FilePath } from '../versioning/ids.ts';
import { parseFilePath } from '../versioning/ids.ts';

/** Pachyderm's default for `datum_tries`. */
export const DEFAULT_DATUM_TRIES = 3;

/** Where the datum's tree is seen by the user's code when the executor can mount it. */
export const PFS_ROOT = '/pfs';

/** The pipeline's transform, with Pachyderm's fields in camelCase. */
export interface DatumTransform {
  /** The container image; null runs the command on the host. */
  readonly image: string | null;
  /** The command, run without a shell. May be empty only when an image supplies its entrypoint. */
  readonly cmd: readonly string[];
  /** Lines written to the command's stdin, joined by '\n' (so `cmd: ["bash"]` runs a script). */
  readonly stdin: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Run once after the last failed attempt; empty when the pipeline has none. */
  readonly errCmd: readonly string[];
  readonly errStdin: readonly string[];
  /** Exit codes besides 0 that count as success. */
  readonly acceptReturnCode: readonly number[];
  /** null: the image's WORKDIR in a container, the parent of the pfs tree on the host. */
  readonly workingDir: string | null;
}

/** One file of the datum, materialised at /pfs/<inputName><path>. */
export interface DatumInputFile {
  readonly inputName: string;
  /** The file's path in its input commit, e.g. '/images/cat.png'. */
  readonly path: string;
  /** The file's bytes, read lazily; may be called again when an attempt's inputs must be restored. */
  open(): AsyncIterable<Uint8Array>;
  /** Materialise an empty file instead of the bytes (the input's `empty_files`). */
  readonly empty?: boolean;
}

export interface DatumRun {
  readonly jobId: string;
  readonly pipelineName: string;
  readonly datumId: string;
  readonly transform: DatumTransform;
  /** @default 3 */
  readonly datumTries?: number;
  /** Limit for each attempt and for err_cmd; the process is stopped and the attempt fails. @default - none */
  readonly datumTimeoutMs?: number;
  /** Job stop or job timeout: kills the running command at once. */
  readonly signal?: AbortSignal;
  /** Every input of the datum, by name, with the commit it was read from; each gets /pfs/<name>/. */
  readonly inputCommits: Readonly<Record<string, CommitId>>;
  /**
   * The path each input's glob matched for this datum, e.g. '/images/cat.png': Pachyderm sets the
   * env var `<input>` to /pfs/<input> plus it. @default - the input's root
   */
  readonly matchedPaths?: Readonly<Record<string, string>>;
  readonly outputCommitId: CommitId;
  readonly inputs: readonly DatumInputFile[];
}

/** How the datum's tree was made visible at /pfs. */
export type ExecutionMode = 'docker' | 'podman' | 'bwrap' | 'host-env';

export type DatumState = 'success' | 'failed' | 'recovered';

/** A file the datum wrote under /pfs/out, read from the executor's scratch space. */
export interface DatumOutputFile {
  /** The path inside /pfs/out, as it will appear in the output commit: '/scores/a.json'. */
  readonly path: FilePath;
  readonly size: number;
  open(): AsyncIterable<Uint8Array>;
}

export interface DatumLogs {
  /** The last bytes the commands wrote, with a marker line when earlier bytes were dropped. */
  readonly stdout: string;
  /** As stdout, with the executor's own `[strata] …` lines about attempts interleaved. */
  readonly stderr: string;
}

export interface DatumOutcome {
  readonly state: DatumState;
  /** The datum was ended by the run's AbortSignal (state is then 'failed'). */
  readonly stopped: boolean;
  /** Attempts of `cmd` that ran (err_cmd not counted). */
  readonly attempts: number;
  /** Exit code of the last attempt of `cmd`; null when it did not exit by itself. */
  readonly exitCode: number | null;
  readonly mode: ExecutionMode;
  /** Sorted by path; empty unless state is 'success'. */
  readonly outputs: readonly DatumOutputFile[];
  readonly logs: DatumLogs;
  readonly durationMs: number;
  /** Why the last attempt failed, for a failed or recovered datum. */
  readonly error?: string;
  /** Removes the datum's scratch space; call after reading the outputs. Safe to call twice. */
  cleanup(): Promise<void>;
}

export interface Executor {
  runDatum(run: DatumRun): Promise<DatumOutcome>;
}

/** Pachyderm's input-name rule; 'out' is the output's own directory. */
const INPUT_NAME = /^[A-Za-z0-9_-]{1,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Input names that would overwrite a variable the command depends on. */
const RESERVED_INPUT_NAMES = new Set(['out', 'PATH', 'HOME', 'PFS']);
const RESERVED_INPUT_PREFIXES = ['PACH_', 'PPS_', 'STRATA_'];

/** Checks a request before anything runs; throws InvalidArgumentError naming the field and value. */
export function validateDatumRun(run: DatumRun): void {
  const tries = run.datumTries ?? DEFAULT_DATUM_TRIES;
  if (!Number.isSafeInteger(tries) || tries < 1) {
    throw new InvalidArgumentError(`invalid datumTries ${tries}: use a whole number of at least 1`);
  }
  const timeout = run.datumTimeoutMs;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new InvalidArgumentError(
      `invalid datumTimeoutMs ${timeout}: use a positive number of milliseconds`,
    );
  }
  for (const name of Object.keys(run.inputCommits)) checkInputName(name);
  for (const [name, matched] of Object.entries(run.matchedPaths ?? {})) {
    if (!Object.hasOwn(run.inputCommits, name)) {
      throw new InvalidArgumentError(
        `matchedPaths names input ${JSON.stringify(name)}, which is not in inputCommits`,
      );
    }
    parseFilePath(matched, { allowRoot: true });
  }
  const seen = new Set<string>();
  for (const file of run.inputs) {
    if (!Object.hasOwn(run.inputCommits, file.inputName)) {
      throw new InvalidArgumentError(
        `input file ${file.path} names input ${JSON.stringify(file.inputName)}, which is not in inputCommits`,
      );
    }
    const key = `${file.inputName}${parseFilePath(file.path)}`;
    if (seen.has(key)) throw new InvalidArgumentError(`input file /pfs/${key} is listed twice`);
    seen.add(key);
  }
  const { transform } = run;
  if (transform.image !== null && transform.image.trim() === '') {
    throw new InvalidArgumentError(
      'invalid transform.image "": name an image, or use null to run on the host',
    );
  }
  for (const [field, words] of [
    ['cmd', transform.cmd],
    ['stdin', transform.stdin],
    ['errCmd', transform.errCmd],
    ['errStdin', transform.errStdin],
  ] as const) {
    if (words.some((word) => word.includes('\0'))) {
      throw new InvalidArgumentError(
        `invalid transform.${field}: a NUL character cannot be passed to a process`,
      );
    }
  }
  for (const [name, value] of Object.entries(transform.env)) {
    if (!ENV_NAME.test(name) || value.includes('\0')) {
      throw new InvalidArgumentError(
        `invalid transform.env entry ${JSON.stringify(name)}: names are letters, digits and '_' (not first), values have no NUL`,
      );
    }
  }
  for (const code of transform.acceptReturnCode) {
    if (!Number.isSafeInteger(code) || code < 0 || code > 255) {
      throw new InvalidArgumentError(`invalid transform.acceptReturnCode ${code}: exit codes are 0–255`);
    }
  }
}

function checkInputName(name: string): void {
  if (!INPUT_NAME.test(name)) {
    throw new InvalidArgumentError(
      `invalid input name ${JSON.stringify(name)}: use 1–63 letters, digits, '_' or '-'`,
    );
  }
  if (RESERVED_INPUT_NAMES.has(name) || RESERVED_INPUT_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    throw new InvalidArgumentError(
      `invalid input name ${JSON.stringify(name)}: it would replace /pfs/out or an environment variable the command needs; rename the input`,
    );
  }
}

/**
 * The variables the user's code sees besides the host's PATH and HOME: the transform's `env`,
 * then Pachyderm's names, each with a STRATA_ twin. The platform's values are set last so the
 * spec cannot misreport the job or commits.
 *
 *   PACH_JOB_ID, PACH_OUTPUT_COMMIT_ID, PACH_DATUM_ID, PPS_PIPELINE_NAME
 *   <input>          /pfs/<input> plus the datum's matched path     (twin STRATA_INPUT_<input>)
 *   <input>_COMMIT   the input commit's ID                           (twin STRATA_INPUT_<input>_COMMIT)
 *   PFS              the pfs root as the code sees it ('/pfs', or the scratch path on a bare host)
 */
export function datumEnvironment(run: DatumRun, pfsRoot: string): Record<string, string> {
  const env: Record<string, string> = { ...run.transform.env };
  const twin = (pachName: string, strataName: string, value: string): void => {
    env[pachName] = value;
    env[strataName] = value;
  };
  twin('PACH_JOB_ID', 'STRATA_JOB_ID', run.jobId);
  twin('PACH_OUTPUT_COMMIT_ID', 'STRATA_OUTPUT_COMMIT_ID', run.outputCommitId);
  twin('PACH_DATUM_ID', 'STRATA_DATUM_ID', run.datumId);
  twin('PPS_PIPELINE_NAME', 'STRATA_PIPELINE_NAME', run.pipelineName);
  for (const [name, commit] of Object.entries(run.inputCommits)) {
    const matched = run.matchedPaths?.[name];
    const path =
      matched === undefined || matched === '/' ? `${pfsRoot}/${name}` : `${pfsRoot}/${name}${matched}`;
    twin(name, `STRATA_INPUT_${name}`, path);
    twin(`${name}_COMMIT`, `STRATA_INPUT_${name}_COMMIT`, commit);
  }
  env.PFS = pfsRoot;
  return env;
}

export function isAcceptedExitCode(code: number, acceptReturnCode: readonly number[]): boolean {
  return code === 0 || acceptReturnCode.includes(code);
}

/**
 * `/pfs` where it starts a path: at the start of the text or after a character that cannot be part
 * of a path name (space, quote, '=', ':', …), and followed by '/' or such a character or the end.
 * '/data/pfs/x' and '/pfsx' are left alone.
 */
const PFS_PATH = /(^|[^A-Za-z0-9_.~/-])\/pfs(?=$|[^A-Za-z0-9_.~-])/g;

/**
 * Rewrites `/pfs` paths in an argument or stdin line to `pfsRoot`: the fallback used when a host
 * process cannot be given a real /pfs. Paths hard-coded inside the user's own files are not seen;
 * such code should read $PFS or the `<input>` variables instead.
 */
export function rewritePfsPaths(text: string, pfsRoot: string): string {
  return text.replace(PFS_PATH, (_match, before: string) => `${before}${pfsRoot}`);
}

/** Default cap for each of stdout and stderr kept per datum. */
export const DEFAULT_LOG_LIMIT_BYTES = 1024 * 1024;

/**
 * Keeps the last `limitBytes` of a stream, so a chatty command cannot exhaust memory; `text()`
 * starts with a marker line saying how much was dropped.
 */
export class LogTail {
  readonly limitBytes: number;
  #chunks: Uint8Array[] = [];
  #held = 0;
  #dropped = 0;

  constructor(limitBytes: number = DEFAULT_LOG_LIMIT_BYTES) {
    if (!Number.isSafeInteger(limitBytes) || limitBytes < 1) {
      throw new InvalidArgumentError(`invalid log limit ${limitBytes}: use a positive number of bytes`);
    }
    this.limitBytes = limitBytes;
  }

  get droppedBytes(): number {
    return this.#dropped;
  }

  append(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    if (bytes.byteLength === 0) return;
    this.#chunks.push(bytes);
    this.#held += bytes.byteLength;
    while (this.#held > this.limitBytes) {
      const first = this.#chunks[0]!;
      const excess = this.#held - this.limitBytes;
      if (first.byteLength <= excess) {
        this.#chunks.shift();
        this.#held -= first.byteLength;
        this.#dropped += first.byteLength;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#held -= excess;
        this.#dropped += excess;
      }
    }
  }

  text(): string {
    const joined = new Uint8Array(this.#held);
    let offset = 0;
    for (const chunk of this.#chunks) {
      joined.set(chunk, offset);
      offset += chunk.byteLength;
    }
    // A cut may fall inside a multi-byte character; it decodes as U+FFFD rather than failing.
    const body = new TextDecoder().decode(joined);
    if (this.#dropped === 0) return body;
    return `[strata] … ${this.#dropped} earlier bytes dropped: logs keep the last ${this.limitBytes} bytes …\n${body}`;
  }
}
