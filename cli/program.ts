/**
 * The command tree in pachctl's grammar: `strata <verb> <noun> ARGS`. Verbs are commander
 * commands whose subcommands are nouns; a few commands (`revert`, `version`, `demo`) stand
 * alone. The top-level help lists every command grouped by noun, generated from the tree so it
 * can never drift from what is registered.
 */
import { Command, type Help } from 'commander';

const VERBS: Readonly<Record<string, string>> = {
  create: 'Create a repo, a branch or a pipeline',
  update: 'Update a pipeline',
  list: 'List repos, branches, commits, files, pipelines, jobs or datums',
  inspect: 'Show the details of a repo, branch, commit, pipeline, job, datum or commit set',
  delete: 'Delete a repo, branch, open commit, files or a pipeline',
  start: 'Start a commit, or resume a pipeline',
  finish: 'Finish a commit',
  stop: 'Pause a pipeline, or stop a job',
  rerun: 'Run a pipeline again on its current inputs',
  wait: 'Wait for a job or a commit set to finish',
  put: 'Put local files into a repo',
  get: 'Get files out of a repo',
  glob: 'Find files by a glob pattern',
  diff: 'Show what changed between two commits',
  copy: 'Copy files between repos or paths without copying bytes',
  use: 'Make a context the active one',
};

/** Help groups in the order shown; a noun not listed here gets a group of its own before 'Other'. */
const GROUPS: readonly (readonly [string, string])[] = [
  ['repo', 'Repos'],
  ['branch', 'Branches'],
  ['commit', 'Commits'],
  ['file', 'Files'],
  ['pipeline', 'Pipelines'],
  ['job', 'Jobs'],
  ['datum', 'Datums'],
  ['commitset', 'Commit sets and lineage'],
  ['context', 'Contexts'],
  ['up', 'Local engine'],
  ['init', 'Backend setup'],
];
const OTHER: readonly [string, string] = ['other', 'Other'];

/** The order of commands inside a help group: a workflow's order, not the alphabet's. */
const VERB_ORDER = [
  'create',
  'use',
  'update',
  'start',
  'stop',
  'rerun',
  'wait',
  'finish',
  'put',
  'get',
  'list',
  'inspect',
  'glob',
  'diff',
  'copy',
  'delete',
];

/** Which help group a stand-alone command belongs to; `verb noun` commands go under their noun. */
const STANDALONE_GROUP: Readonly<Record<string, string>> = {
  revert: 'commit',
  logs: 'datum',
  lineage: 'commitset',
};

/** The `verb` command (created on first use), so commands of one verb may live in several files. */
function verbCommand(program: Command, verb: string): Command {
  const existing = program.commands.find((command) => command.name() === verb);
  if (existing) return existing;
  const description = VERBS[verb];
  if (description === undefined) throw new Error(`no verb '${verb}' in cli/program.ts`);
  return program.command(verb).description(description);
}

/** Adds `strata <verb> <noun>`; the caller adds its arguments, options, example and action. */
export function nounCommand(program: Command, verb: string, noun: string): Command {
  return verbCommand(program, verb).command(noun);
}

/** Adds an example to a command's --help. */
export function withExample(command: Command, ...lines: readonly string[]): Command {
  return command.addHelpText(
    'after',
    `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`,
  );
}

function argumentsTerm(command: Command): string {
  return command.registeredArguments
    .map((argument) => {
      const name = `${argument.name()}${argument.variadic ? '...' : ''}`;
      return argument.required ? `<${name}>` : `[${name}]`;
    })
    .join(' ');
}

interface HelpRow {
  readonly group: string;
  readonly order: number;
  readonly term: string;
  readonly description: string;
}

function helpRows(program: Command, helper: Help): HelpRow[] {
  const rows: HelpRow[] = [];
  for (const command of helper.visibleCommands(program)) {
    if (command.commands.length === 0) {
      const term = `${command.name()} ${argumentsTerm(command)}`.trim();
      const group = STANDALONE_GROUP[command.name()] ?? 'other';
      rows.push({
        group,
        order: VERB_ORDER.length,
        term,
        description: helper.subcommandDescription(command),
      });
      continue;
    }
    for (const noun of helper.visibleCommands(command)) {
      if (noun.name() === 'help') continue;
      const term = `${command.name()} ${noun.name()} ${argumentsTerm(noun)}`.trim();
      const order = VERB_ORDER.indexOf(command.name());
      rows.push({ group: noun.name(), order, term, description: helper.subcommandDescription(noun) });
    }
  }
  return rows;
}

function formatTopLevelHelp(program: Command, helper: Help): string {
  const rows = helpRows(program, helper).sort((a, b) => a.order - b.order);
  const width = Math.max(...rows.map((row) => row.term.length));
  const lines = [
    `Usage: ${program.name()} <verb> <noun> [arguments] [options]`,
    '',
    program.description(),
    '',
  ];
  const known = new Set([...GROUPS, OTHER].map(([group]) => group));
  const extra = [...new Set(rows.map((row) => row.group))]
    .filter((group) => !known.has(group))
    .map((group): readonly [string, string] => [group, `${group[0]?.toUpperCase()}${group.slice(1)}s`]);
  for (const [group, title] of [...GROUPS, ...extra, OTHER]) {
    const inGroup = rows.filter((row) => row.group === group);
    if (inGroup.length === 0) continue;
    lines.push(`${title}:`);
    for (const row of inGroup) lines.push(`  ${row.term.padEnd(width)}  ${row.description}`);
    lines.push('');
  }
  lines.push(
    'References:',
    '  repo@branch   repo@<commit-id>   repo@branch^ (parent)   repo@branch^3   repo@ref:/path',
    '',
    `Data lives in the context chosen by --context or $STRATA_CONTEXT, else the active one, else in`,
    `$STRATA_HOME (default ./.strata). Every list and inspect command takes --json.`,
    `Run '${program.name()} <verb> <noun> --help' for a command's options and an example.`,
    '',
  );
  return lines.join('\n');
}

/** An empty program with strata's error and help conventions; commands/ add to it. */
export function createProgram(): Command {
  const program = new Command('strata')
    .description(
      'Strata: versioned data repositories, data-driven pipelines and lineage, with pachctl-style commands, on the embedded backend or on AWS (S3 + DynamoDB).',
    )
    .option('--context <name>', 'run on this context instead of the active one (also: $STRATA_CONTEXT)')
    .hook('preAction', (command) => {
      const context: unknown = command.opts().context;
      if (typeof context === 'string') process.env.STRATA_CONTEXT = context;
    })
    .exitOverride()
    .configureOutput({
      outputError: (message, write) => write(message.replace(/^error: /, 'strata: ')),
    })
    .showHelpAfterError('(add --help for usage and an example)');
  return program;
}

/**
 * Installs the grouped top-level help. Called after every command is registered: subcommands
 * copy the help configuration when they are created, so this one stays the program's own.
 */
export function finishProgram(program: Command): Command {
  return program.configureHelp({ formatHelp: formatTopLevelHelp });
}
