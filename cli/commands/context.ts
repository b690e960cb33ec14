/** `create / use / list / inspect / delete context`: which backend the CLI talks to (cli/contexts.ts). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConflictError, InvalidArgumentError } from '../../versioning/errors.ts';
import { strataHome } from '../backend.ts';
import {
  type Context,
  configPath,
  contextNamed,
  DEFAULT_CONTEXT,
  parseBucketName,
  parseContextName,
  parseEndpoint,
  parseKeyPrefix,
  parseRegion,
  parseTableName,
  readConfig,
  resolveContext,
  writeConfig,
} from '../contexts.ts';
import { writeFields, writeJson, writeJsonArray, writeLine, writeTable } from '../format.ts';
import { nounCommand, withExample } from '../program.ts';

interface CreateOptions {
  readonly backend: string;
  readonly bucket?: string;
  readonly table?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly endpoint?: string;
  readonly prefix?: string;
  readonly eventBus?: string;
  readonly home?: string;
  readonly use?: boolean;
  readonly overwrite?: boolean;
}

const AWS_ONLY = ['bucket', 'table', 'region', 'profile', 'endpoint', 'prefix', 'eventBus'] as const;
const FLAG: Readonly<Record<(typeof AWS_ONLY)[number], string>> = {
  bucket: '--bucket',
  table: '--table',
  region: '--region',
  profile: '--profile',
  endpoint: '--endpoint',
  prefix: '--prefix',
  eventBus: '--event-bus',
};

function contextFromOptions(options: CreateOptions): Context {
  if (options.backend === 'local') {
    const stray = AWS_ONLY.filter((name) => options[name] !== undefined).map((name) => FLAG[name]);
    if (stray.length > 0) {
      throw new InvalidArgumentError(`${stray.join(', ')} only apply to --backend aws, not local`);
    }
    return { backend: 'local', home: resolve(options.home ?? strataHome()) };
  }
  if (options.backend !== 'aws') {
    throw new InvalidArgumentError(`invalid --backend ${JSON.stringify(options.backend)}: use aws or local`);
  }
  if (options.home !== undefined)
    throw new InvalidArgumentError('--home only applies to --backend local, not aws');
  if (options.bucket === undefined || options.table === undefined) {
    throw new InvalidArgumentError('--backend aws needs --bucket <name> and --table <name>');
  }
  return {
    backend: 'aws',
    bucket: parseBucketName(options.bucket),
    table: parseTableName(options.table),
    ...(options.region !== undefined ? { region: parseRegion(options.region) } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.endpoint !== undefined ? { endpoint: parseEndpoint(options.endpoint) } : {}),
    ...(options.prefix !== undefined ? { prefix: parseKeyPrefix(options.prefix) } : {}),
    ...(options.eventBus !== undefined ? { eventBus: options.eventBus } : {}),
  };
}

/** Where a context's data is, in one line. */
export function describeContext(context: Context): string {
  if (context.backend === 'local') return context.home;
  const at = context.endpoint ?? (context.region ? `AWS ${context.region}` : 'AWS');
  return `s3://${context.bucket}/${context.prefix ?? ''} + dynamodb:${context.table} (${at})`;
}

function contextFields(name: string, active: boolean, context: Context): [string, string][] {
  const fields: [string, string][] = [
    ['Name', name],
    ['Active', active ? 'yes' : 'no'],
    ['Backend', context.backend],
  ];
  if (context.backend === 'local') return [...fields, ['Home', context.home]];
  return [
    ...fields,
    ['Bucket', context.bucket],
    ['Key prefix', context.prefix || '-'],
    ['Table', context.table],
    ['Region', context.region ?? '(AWS SDK default)'],
    ['Profile', context.profile ?? '(AWS SDK default)'],
    ['Endpoint', context.endpoint ?? '(AWS SDK default)'],
    ['Event bus', context.eventBus ?? '- (jobs run in the CLI process)'],
  ];
}

export function registerContextCommands(program: Command): void {
  withExample(
    nounCommand(program, 'create', 'context')
      .summary('Name a backend: the embedded one in a folder, or an S3 bucket + DynamoDB table')
      .description(
        'Save a context in the config file. AWS credentials and (unless given) region and endpoint come from the standard AWS SDK chain: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, shared config files, SSO, instance roles.',
      )
      .argument('<name>', "the context's name: letters, digits, '_', '.' or '-'")
      .option('--backend <kind>', 'aws or local', 'aws')
      .option('--bucket <name>', 'aws: the S3 bucket for objects')
      .option('--table <name>', 'aws: the DynamoDB table for metadata')
      .option('--region <region>', 'aws: the region (default: the SDK chain)')
      .option('--profile <name>', 'aws: a named profile from ~/.aws/config')
      .option('--endpoint <url>', 'aws: a custom endpoint for every service (LocalStack, emulators)')
      .option('--prefix <text>', 'aws: start every object key with this')
      .option(
        '--event-bus <name>',
        'aws: publish commit events to this EventBridge bus; jobs then run in AWS',
      )
      .option('--home <dir>', 'local: the folder (default: $STRATA_HOME or ./.strata)')
      .option('--use', 'also make it the active context')
      .option('--overwrite', 'replace a context of the same name')
      .action((nameText: string, options: CreateOptions) => {
        const name = parseContextName(nameText);
        if (name === DEFAULT_CONTEXT) {
          throw new InvalidArgumentError(
            `context name ${JSON.stringify(name)} is reserved for $STRATA_HOME: pick another`,
          );
        }
        const context = contextFromOptions(options);
        const config = readConfig();
        if (config.contexts[name] !== undefined && !options.overwrite) {
          throw new ConflictError(`context ${name} already exists: pass --overwrite to replace it`);
        }
        writeConfig({
          ...config,
          contexts: { ...config.contexts, [name]: context },
          ...(options.use ? { active: name } : {}),
        });
        writeLine(`created context ${name}: ${describeContext(context)}${options.use ? ' (active)' : ''}`);
        if (context.backend === 'aws')
          writeLine(`create its bucket and table, if new, with: strata aws init --context ${name}`);
      }),
    'strata create context dev --bucket my-strata-data --table strata --region eu-west-1 --use',
    'strata create context emu --bucket strata --table strata --endpoint http://localhost:4566',
  );

  withExample(
    nounCommand(program, 'use', 'context')
      .description(`Make a context the active one ('${DEFAULT_CONTEXT}': back to $STRATA_HOME)`)
      .argument('<name>', 'a context from `strata list context`')
      .action((nameText: string) => {
        const name = parseContextName(nameText);
        const config = readConfig();
        if (name === DEFAULT_CONTEXT) {
          const { active: _, ...rest } = config;
          writeConfig(rest);
          writeLine('no active context: commands use $STRATA_HOME (default ./.strata)');
          return;
        }
        contextNamed(config, name, strataHome);
        writeConfig({ ...config, active: name });
        writeLine(`active context: ${name}`);
      }),
    'strata use context dev',
  );

  withExample(
    nounCommand(program, 'list', 'context')
      .description('List contexts; the active one is marked *')
      .option('--json', 'print {name, active, ...context} objects as a JSON array')
      .action(async (options: { json?: boolean }) => {
        const config = readConfig();
        const rows = Object.entries(config.contexts).map(([name, context]) => ({
          name,
          active: name === config.active,
          ...context,
        }));
        if (options.json) {
          await writeJsonArray(rows);
          return;
        }
        await writeTable(
          [
            { header: 'ACTIVE', value: (row: (typeof rows)[number]) => (row.active ? '*' : '') },
            { header: 'NAME', value: (row) => row.name },
            { header: 'BACKEND', value: (row) => row.backend },
            { header: 'WHERE', value: (row) => describeContext(row) },
          ],
          rows,
        );
      }),
    'strata list context',
  );

  withExample(
    nounCommand(program, 'inspect', 'context')
      .description('Show a context, by default the one commands use now')
      .argument('[name]', 'a context name (default: the one in use)')
      .option('--json', 'print {name, active, ...context} as JSON')
      .action((nameText: string | undefined, options: { json?: boolean }) => {
        const config = readConfig();
        const resolved =
          nameText === undefined
            ? resolveContext(strataHome)
            : { name: parseContextName(nameText), context: undefined };
        const name = resolved.name ?? DEFAULT_CONTEXT;
        const context = resolved.context ?? contextNamed(config, name, strataHome);
        const active = name === (config.active ?? DEFAULT_CONTEXT);
        if (options.json) {
          writeJson({ name, active, ...context });
          return;
        }
        writeFields([...contextFields(name, active, context), ['Config file', configPath()]]);
      }),
    'strata inspect context',
  );

  withExample(
    nounCommand(program, 'delete', 'context')
      .description('Forget a context (its data stays where it is)')
      .argument('<name>', 'a context name')
      .action((nameText: string) => {
        const name = parseContextName(nameText);
        const config = readConfig();
        if (name === DEFAULT_CONTEXT) {
          throw new InvalidArgumentError(`context ${DEFAULT_CONTEXT} is $STRATA_HOME and cannot be deleted`);
        }
        contextNamed(config, name, strataHome);
        const { [name]: _, ...contexts } = config.contexts;
        const { active, ...rest } = config;
        writeConfig({ ...rest, contexts, ...(active !== undefined && active !== name ? { active } : {}) });
        writeLine(`deleted context ${name}${active === name ? '; no context is active now' : ''}`);
      }),
    'strata delete context dev',
  );
}
