/**
 * Contexts: named backends the CLI can talk to, kept in one JSON config file
 * (`$STRATA_CONFIG`, else `$XDG_CONFIG_HOME/strata/config.json`, else
 * `~/.config/strata/config.json`), as pachctl keeps its contexts.
 *
 * A context is either the embedded backend at a folder, or AWS: an S3 bucket and a DynamoDB table
 * (with optional region, profile, endpoint and key prefix; credentials always come from the
 * standard AWS SDK chain, never from this file). Which backend a command uses:
 *   1. the context named by `--context NAME` (or `$STRATA_CONTEXT`),
 *   2. else the active context (`strata use context NAME`),
 *   3. else the embedded backend at `$STRATA_HOME` (default `./.strata`).
 * Nothing here touches a backend; opening one is cli/backend.ts's job.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { assertBucketName, assertTableName } from '../adapters/aws/resource-names.ts';
import { InvalidArgumentError, NotFoundError } from '../versioning/errors.ts';

const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

export const LocalContextSchema = z.object({
  backend: z.literal('local'),
  /** The embedded backend's folder, absolute. */
  home: z.string().min(1),
});

export const AwsContextSchema = z.object({
  backend: z.literal('aws'),
  bucket: z.string().superRefine(namedBy(assertBucketName)),
  table: z.string().superRefine(namedBy(assertTableName)),
  region: z.string().regex(REGION).optional(),
  profile: z.string().min(1).optional(),
  /** A custom endpoint for every service (LocalStack, the test emulators). */
  endpoint: z.url().optional(),
  /** Keys in the bucket start with this (several deployments can share one bucket). */
  prefix: z.string().optional(),
  /**
   * An EventBridge bus that commit events are published to. With it, commands only publish and
   * the deployed engine runs the jobs; without it, jobs run in the CLI process.
   */
  eventBus: z.string().min(1).optional(),
});

export const ContextSchema = z.discriminatedUnion('backend', [LocalContextSchema, AwsContextSchema]);
export type LocalContext = z.infer<typeof LocalContextSchema>;
export type AwsContext = z.infer<typeof AwsContextSchema>;
export type Context = z.infer<typeof ContextSchema>;

const ConfigSchema = z.object({
  active: z.string().optional(),
  contexts: z.record(z.string(), ContextSchema).default({}),
});
export type Config = z.infer<typeof ConfigSchema>;

/** The backend a command runs on, and which context chose it (none for the default). */
export interface ResolvedContext {
  readonly name: string | undefined;
  readonly context: Context;
}

export function configPath(): string {
  const explicit = process.env.STRATA_CONFIG;
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const xdg = process.env.XDG_CONFIG_HOME;
  const base = xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.config');
  return join(base, 'strata', 'config.json');
}

export function readConfig(path: string = configPath()): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return { contexts: {} };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`config file ${path} is not valid JSON: fix or remove it`);
  }
  const parsed = ConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new InvalidArgumentError(
      `config file ${path} is not a Strata config (${where}: ${issue?.message ?? 'invalid'}): fix or remove it`,
    );
  }
  return parsed.data;
}

/** Writes the whole config at once (a rename), so a reader never sees half a file. */
export function writeConfig(config: Config, path: string = configPath()): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

export function parseContextName(text: string): string {
  if (!CONTEXT_NAME.test(text)) {
    throw new InvalidArgumentError(
      `invalid context name ${JSON.stringify(text)}: use 1–63 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  return text;
}

export function parseBucketName(text: string): string {
  assertBucketName(text, 'S3 bucket name');
  return text;
}

export function parseTableName(text: string): string {
  assertTableName(text, 'DynamoDB table name');
  return text;
}

/** A zod refinement from one of the AWS naming rules (for a config file read back). */
function namedBy(assert: (name: string, what: string) => void) {
  return (name: string, context: z.RefinementCtx) => {
    try {
      assert(name, 'name');
    } catch (error) {
      context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    }
  };
}

export function parseRegion(text: string): string {
  if (!REGION.test(text)) {
    throw new InvalidArgumentError(
      `invalid AWS region ${JSON.stringify(text)}: give a region name such as us-east-1`,
    );
  }
  return text;
}

/**
 * A key prefix for the bucket: printable ASCII without spaces, not starting with '/', and ending
 * with '/' (added when missing) so that one deployment's keys never match another's prefix
 * (`strata/` and `strata-dev/`, not `strata` and `strata-dev`).
 */
export function parseKeyPrefix(text: string): string {
  if (text === '') return text;
  if (!/^[\x21-\x7e]+$/.test(text) || text.startsWith('/') || text.includes('//')) {
    throw new InvalidArgumentError(
      `invalid --prefix ${JSON.stringify(text)}: use printable characters without spaces, not starting with '/' or holding '//', e.g. team-a/`,
    );
  }
  return text.endsWith('/') ? text : `${text}/`;
}

export function parseEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(
      `invalid endpoint ${JSON.stringify(text)}: give a URL such as http://localhost:4566`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(
      `invalid endpoint ${JSON.stringify(text)}: use an http:// or https:// URL`,
    );
  }
  return text;
}

/** The name that means "no context": the embedded backend at $STRATA_HOME. */
export const DEFAULT_CONTEXT = 'default';

/**
 * The context called `name` in `config` (`default`: the embedded backend at `defaultHome()`), or
 * a NotFoundError naming the config file and the contexts there are. `why` follows the name in
 * the message (' (it is the active one)').
 */
export function contextNamed(config: Config, name: string, defaultHome: () => string, why = ''): Context {
  if (name === DEFAULT_CONTEXT) return { backend: 'local', home: defaultHome() };
  const context = config.contexts[name];
  if (context !== undefined) return context;
  const known = Object.keys(config.contexts);
  throw new NotFoundError(
    `no context ${JSON.stringify(name)} in ${configPath()}${why}: ${
      known.length > 0 ? `known contexts are ${known.join(', ')}` : 'create it with `strata create context`'
    }`,
  );
}

/** The backend a command should use (see the module doc for the order). */
export function resolveContext(defaultHome: () => string): ResolvedContext {
  const requested = process.env.STRATA_CONTEXT;
  const hasRequest = requested !== undefined && requested !== '';
  const config = readConfig();
  const name = hasRequest ? parseContextName(requested) : config.active;
  if (name === undefined) return { name: undefined, context: { backend: 'local', home: defaultHome() } };
  return {
    name,
    context: contextNamed(config, name, defaultHome, hasRequest ? '' : ' (it is the active one)'),
  };
}
