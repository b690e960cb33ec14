/**
 * Runs the real `strata` CLI as a user would: a separate Node process started through
 * bin/strata.js, with its own temporary STRATA_HOME. Each run returns its exit code and output;
 * `json` also checks the exit code and parses stdout with a schema (never a cast).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const STRATA_BIN = fileURLToPath(new URL('../../bin/strata.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as bytes, for binary files. */
  readonly bytes: Buffer;
}

export interface RunOptions {
  /** Written to the CLI's standard input, which is then closed. */
  readonly input?: string | Uint8Array;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** A run still going after this long is killed and reported, rather than hanging the test. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 45_000;

export class StrataCli {
  /** A scratch folder for local input and output files; `home` is inside it. */
  readonly dir: string;
  readonly home: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.home = join(dir, 'home');
  }

  static async create(): Promise<StrataCli> {
    return new StrataCli(await mkdtemp(join(tmpdir(), 'strata-cli-test-')));
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** A path inside the scratch folder. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [STRATA_BIN, ...args], {
        cwd: options.cwd ?? this.dir,
        env: {
          ...process.env,
          STRATA_HOME: this.home,
          // Never the developer's own contexts: a config file of the test's own, none at first.
          STRATA_CONFIG: join(this.dir, 'config.json'),
          STRATA_CONTEXT: '',
          STRATA_DEBUG: '',
          ...options.env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const bytes = Buffer.concat(out);
        const note = timedOut ? `\n[harness: killed after ${timeoutMs} ms: strata ${args.join(' ')}]` : '';
        resolve({
          code: code ?? (signal ? 128 : 1),
          stdout: bytes.toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8') + note,
          bytes,
        });
      });
      child.stdin.on('error', () => {
        // The CLI may exit without reading its input (a usage error): nothing to deliver then.
      });
      child.stdin.end(options.input);
    });
  }

  /** Runs a command that must succeed, and returns its result. */
  async ok(args: readonly string[], options?: RunOptions): Promise<CliResult> {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      throw new Error(
        `strata ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
      );
    }
    return result;
  }

  /** Runs a command that must succeed with `--json`, and parses its output with `schema`. */
  async json<T extends z.ZodType>(
    schema: T,
    args: readonly string[],
    options?: RunOptions,
  ): Promise<z.output<T>> {
    const result = await this.ok([...args, '--json'], options);
    return schema.parse(JSON.parse(result.stdout));
  }

  /** Everything a command could change in a repo, as JSON: compare it before and after. */
  async snapshot(repo: string): Promise<string> {
    const [repos, branches, commits, files] = await Promise.all([
      this.ok(['list', 'repo', '--json']),
      this.ok(['list', 'branch', repo, '--json']),
      this.ok(['list', 'commit', repo, '--all', '--json']),
      this.ok(['glob', 'file', `${repo}@master:/**`, '--json']),
    ]);
    return [repos.stdout, branches.stdout, commits.stdout, files.stdout].join('\n');
  }
}

// Schemas of the DTOs (versioning/api.ts) as the CLI prints them; only the fields tests read.
export const repoInfo = z.object({
  name: z.string(),
  description: z.string(),
  created: z.string(),
  branches: z.array(z.string()),
  sizeBytes: z.number(),
  commitCount: z.number(),
});

export const branchInfo = z.object({
  repo: z.string(),
  branch: z.string(),
  head: z.string(),
  created: z.string(),
  provenance: z.array(z.object({ repo: z.string(), branch: z.string() })),
});

export const commitInfo = z.object({
  repo: z.string(),
  id: z.string(),
  branch: z.string().nullable(),
  parent: z.string().nullable(),
  children: z.array(z.string()),
  origin: z.string(),
  description: z.string(),
  state: z.enum(['open', 'finished', 'failed']),
  globalId: z.string(),
  fileCount: z.number().nullable(),
  sizeBytes: z.number().nullable(),
});

export const commitPage = z.object({ items: z.array(commitInfo), next: z.string().optional() });

export const fileInfo = z.object({
  path: z.string(),
  type: z.enum(['file', 'dir']),
  size: z.number(),
  hash: z.string().nullable(),
  commit: z.string(),
});

export const fileDiff = z.object({
  path: z.string(),
  change: z.enum(['added', 'deleted', 'modified']),
  before: fileInfo.nullable(),
  after: fileInfo.nullable(),
});

export const putResult = z.object({
  commit: commitInfo,
  files: z.number(),
  bytes: z.number(),
  newBytes: z.number(),
});

export const repoList = z.array(repoInfo);
export const branchList = z.array(branchInfo);
export const fileList = z.array(fileInfo);
export const diffList = z.array(fileDiff);
