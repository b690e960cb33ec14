/**
 * The schema of a spec's `input`: Pachyderm's input tree, in, and `PipelineInput`, out.
 *
 * Where a pfs input sits decides which fields it may have, so there is one schema per place:
 * directly inside a `join`, `join_on` is required and `outer_join` allowed; directly inside a
 * `group`, `group_by` is required; anywhere else neither is allowed. Joins and groups combine
 * pfs inputs only. Rules that need the whole tree (unique names, tick repos) are checked by
 * `finishInputTree` once every node has parsed.
 */
import { z } from 'zod';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { parseBranchName, parseRepoName, type RepoName } from '../../versioning/ids.ts';
import { compileGlob } from '../../versioning/tree/index.ts';
import { compileCaptureGlob, templateGroups } from '../datums/glob-capture.ts';
import { parseCronSchedule } from './cron.ts';
import {
  acceptedFields,
  forbiddenField,
  forbiddenUnlessZero,
  parsedString,
  pathText,
  rule,
  show,
  specObject,
} from './fields.ts';
import {
  type CronInput,
  checkInputName,
  type InputTree,
  OUTPUT_INPUT_NAME,
  type PfsInput,
  type PipelineInput,
} from './input.ts';
import { ACCEPTED_CRON_FIELDS, ACCEPTED_PFS_FIELDS, NO_PROJECTS } from './unimplemented.ts';

/** A cron input before its tick repo is known: `repo` is the spec's, or null for '<pipeline>_<name>'. */
type DraftCronInput = Omit<CronInput, 'repo'> & { readonly repo: RepoName | null };
type DraftInput = InputTree<DraftCronInput>;

const NAME_RULE = "use 1–63 letters, digits, '_' or '-'";
const GLOB_RULE =
  'use an absolute glob pattern, e.g. "/*" (each top-level file or directory), "/**" or "/" (the whole repo)';

const projectField = specObject({
  name: z.string({ error: rule('use a project name; Strata has one project, "default"') }),
})
  .optional()
  .meta({ description: `Pachyderm project. ${NO_PROJECTS}; a name other than "default" gives a warning.` });

const inputName = parsedString(NAME_RULE, checkInputName);
const globField = parsedString(GLOB_RULE, parseGlob).meta({
  description: 'Which files form the datums: each match of this absolute pattern is one datum, e.g. "/*".',
});

/** A pfs input's fields, with the join and group fields as its place allows. */
function pfsInputSchema(place: 'any' | 'join' | 'group') {
  const joinOnly = 'only a pfs input directly inside a join has it; remove it or put the input in a join';
  const groupOnly = 'only a pfs input directly inside a group has it; remove it or put the input in a group';
  const captureKey = (what: string) =>
    z
      .string({
        error: rule(`use a key made from the glob's capture groups, e.g. "$1" (required inside a ${what})`),
      })
      .min(1, { error: rule('use a non-empty key, e.g. "$1"') })
      .meta({
        description: `The ${what} key: the glob's capture groups expanded, e.g. "$1" for "/(*).csv". Datums with equal keys are ${what === 'join' ? 'joined' : 'grouped'}.`,
      });
  return specObject(
    {
      repo: parsedString(NAME_RULE, parseRepoName).meta({ description: 'The repo to read.' }),
      branch: parsedString(NAME_RULE, parseBranchName)
        .prefault('master')
        .meta({ description: "The branch whose head commits trigger the pipeline. Default 'master'." }),
      glob: globField,
      name: inputName
        .optional()
        .meta({ description: 'Where the files appear: /pfs/<name>. Default: the repo name.' }),
      join_on: place === 'join' ? captureKey('join') : forbiddenUnlessZero(joinOnly, ''),
      outer_join:
        place === 'join'
          ? z
              .boolean({ error: rule('use true or false') })
              .default(false)
              .meta({
                description: "Keep this input's datums that match no other input's key. Default false.",
              })
          : forbiddenUnlessZero(joinOnly, false),
      group_by: place === 'group' ? captureKey('group') : forbiddenUnlessZero(groupOnly, ''),
      empty_files: z
        .boolean({ error: rule('use true or false') })
        .default(false)
        .meta({ description: 'Give the command empty files of the right names instead of their content.' }),
      project: projectField,
      ...acceptedFields(ACCEPTED_PFS_FIELDS),
    },
    ACCEPTED_PFS_FIELDS,
  ).transform((pfs, context): PfsInput => {
    // Repo names obey the input-name rule, so only 'out' can fail here.
    const name = pfs.name ?? pfs.repo;
    if (name === OUTPUT_INPUT_NAME) {
      context.addIssue({
        code: 'custom',
        path: ['name'],
        message: `missing: the input would take its name from the repo "out", but /pfs/out is the output directory; set name`,
      });
      return z.NEVER;
    }
    // Outside a join or group these are absent or their protobuf zero value, "".
    const joinOn = pfs.join_on ? pfs.join_on : null;
    const groupBy = pfs.group_by ? pfs.group_by : null;
    for (const [field, key] of [['join_on', joinOn] as const, ['group_by', groupBy] as const]) {
      if (key === null) continue;
      try {
        const problem = captureGroupProblem(key, pfs.glob);
        if (problem !== null)
          context.addIssue({ code: 'custom', path: [field], message: problem, input: key });
      } catch (error) {
        if (!(error instanceof InvalidArgumentError)) throw error;
        context.addIssue({ code: 'custom', path: ['glob'], message: error.message, input: pfs.glob });
      }
    }
    return {
      kind: 'pfs',
      name,
      repo: pfs.repo,
      branch: pfs.branch,
      glob: pfs.glob,
      joinOn,
      outerJoin: pfs.outer_join === true,
      groupBy,
      emptyFiles: pfs.empty_files,
    };
  });
}

const cronInputSchema = specObject(
  {
    name: inputName.meta({ description: "The input's name: ticks appear under /pfs/<name>." }),
    spec: parsedString('use a cron schedule, e.g. "*/10 * * * *" or "@every 1h"', (text) => {
      parseCronSchedule(text);
      return text;
    }).meta({ description: 'When to tick: 5 or 6 cron fields (UTC), @daily-style, or "@every 30s".' }),
    repo: parsedString(NAME_RULE, parseRepoName)
      .optional()
      .meta({ description: 'The repo that receives a commit per tick. Default: <pipeline>_<name>.' }),
    overwrite: z
      .boolean({ error: rule('use true or false') })
      .default(false)
      .meta({ description: "Each tick replaces the previous tick's file instead of adding one." }),
    project: projectField,
    ...acceptedFields(ACCEPTED_CRON_FIELDS),
  },
  ACCEPTED_CRON_FIELDS,
).transform(
  (cron): DraftCronInput => ({
    kind: 'cron',
    name: cron.name,
    spec: cron.spec,
    repo: cron.repo ?? null,
    overwrite: cron.overwrite,
  }),
);

const pfsAnywhere = pfsInputSchema('any');
const pfsInJoin = pfsInputSchema('join');
const pfsInGroup = pfsInputSchema('group');

/** What users write under `input`, at any depth. */
export interface PachydermInput {
  pfs?: z.input<typeof pfsAnywhere> | z.input<typeof pfsInJoin> | z.input<typeof pfsInGroup>;
  cron?: z.input<typeof cronInputSchema>;
  cross?: PachydermInput[];
  union?: PachydermInput[];
  join?: PachydermInput[];
  group?: PachydermInput[];
}

const INPUT_KINDS = ['pfs', 'cron', 'cross', 'union', 'join', 'group'] as const;

interface ParsedNode {
  readonly pfs?: PfsInput;
  readonly cron?: DraftCronInput;
  readonly cross?: readonly DraftInput[];
  readonly union?: readonly DraftInput[];
  readonly join?: readonly DraftInput[];
  readonly group?: readonly DraftInput[];
}

function children(kind: string, child: z.ZodType<DraftInput, PachydermInput>) {
  const allowed = `use a list of one or more inputs to ${kind}, e.g. [{"pfs": {"repo": "images", "glob": "/*"}}]`;
  return z
    .array(child, { error: rule(allowed) })
    .min(1, { error: rule(allowed) })
    .optional();
}

function toNode(node: ParsedNode, context: z.core.$RefinementCtx): DraftInput {
  const given = INPUT_KINDS.filter((kind) => node[kind] !== undefined);
  const [kind] = given;
  if (given.length !== 1 || kind === undefined) {
    const what = given.length === 0 ? 'none of them' : given.join(' and ');
    context.addIssue({
      code: 'custom',
      message: `got ${what}: an input has exactly one of ${INPUT_KINDS.join(', ')}; combine several with cross, union, join or group`,
    });
    return z.NEVER;
  }
  if (kind === 'pfs' || kind === 'cron') return node[kind]!;
  return { kind, inputs: node[kind]! };
}

/** Any input outside a join or group: the top of the tree and the children of cross and union. */
export const inputSchema: z.ZodType<DraftInput, PachydermInput> = z
  .lazy(() =>
    specObject({
      pfs: pfsAnywhere.optional().meta({ description: 'Files of a repo branch, one datum per glob match.' }),
      cron: cronInputSchema.optional().meta({ description: 'A tick repo that gets a commit on a schedule.' }),
      cross: children('cross', inputSchema).meta({
        description: 'Every combination of one datum from each input.',
      }),
      union: children('union', inputSchema).meta({
        description: 'The datums of every input, one after another.',
      }),
      join: children('join', joinedInput).meta({
        description: 'Datums of pfs inputs with equal join_on keys, combined.',
      }),
      group: children('group', groupedInput).meta({
        description: 'Datums of pfs inputs with equal group_by keys, as one datum.',
      }),
    }).transform(toNode),
  )
  .meta({
    id: 'Input',
    description: 'A pipeline input: exactly one of pfs, cron, cross, union, join, group.',
  });

const joinedInput: z.ZodType<DraftInput, PachydermInput> = combinedChild('join', pfsInJoin, 'JoinedInput');
const groupedInput: z.ZodType<DraftInput, PachydermInput> = combinedChild(
  'group',
  pfsInGroup,
  'GroupedInput',
);

function combinedChild(kind: 'join' | 'group', pfs: typeof pfsInJoin, id: string) {
  const pfsOnly = `a ${kind} combines pfs inputs only; to ${kind} the result of a cross or union, ${kind} its pfs inputs instead`;
  return z
    .lazy(() =>
      specObject({
        pfs: pfs.optional(),
        cron: forbiddenField(pfsOnly),
        cross: forbiddenField(pfsOnly),
        union: forbiddenField(pfsOnly),
        join: forbiddenField(pfsOnly),
        group: forbiddenField(pfsOnly),
      }).transform(toNode),
    )
    .meta({
      id,
      description: `A child of a ${kind}: a pfs input with ${kind === 'join' ? 'join_on' : 'group_by'}.`,
    });
}

/**
 * Checks the rules that span the tree and fills in cron tick repos: input names are unique, a
 * pipeline does not read its own output repo, and a tick repo is '<pipeline>_<cron name>'
 * unless the spec names one. Problems are reported through `report` with their paths.
 */
export function finishInputTree(
  draft: DraftInput,
  pipeline: RepoName,
  report: (path: readonly (string | number)[], message: string, input: unknown) => void,
): PipelineInput {
  const seen = new Map<string, string>();
  const visit = (node: DraftInput, path: readonly (string | number)[]): PipelineInput => {
    if (node.kind !== 'pfs' && node.kind !== 'cron') {
      return {
        kind: node.kind,
        inputs: node.inputs.map((child, index) => visit(child, [...path, node.kind, index])),
      };
    }
    const leafPath = [...path, node.kind];
    const where = pathText(leafPath);
    const earlier = seen.get(node.name);
    if (earlier !== undefined) {
      report(
        [...leafPath, 'name'],
        `got ${show(node.name)}: the name is already used by ${earlier}; input names must be unique, so set a different name on one of them`,
        node.name,
      );
    }
    seen.set(node.name, where);
    if (node.kind === 'pfs') {
      if (node.repo === pipeline) {
        report(
          [...leafPath, 'repo'],
          `got ${show(node.repo)}: that is this pipeline's own output repo; a pipeline cannot read its output`,
          node.repo,
        );
      }
      return node;
    }
    return {
      ...node,
      repo:
        node.repo ??
        tickRepo(pipeline, node.name, (message) => report([...leafPath, 'name'], message, node.name)),
    };
  };
  return visit(draft, ['input']);
}

function tickRepo(pipeline: RepoName, name: string, report: (message: string) => void): RepoName {
  const repo = `${pipeline}_${name}`;
  try {
    return parseRepoName(repo);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    report(
      `got ${show(name)}: the tick repo would be ${show(repo)}, longer than 63 characters; use a shorter name or set the cron input's repo`,
    );
    return pipeline;
  }
}

/** Globs are absolute, and must compile with the planner's glob compiler. */
function parseGlob(text: string): string {
  if (!text.startsWith('/')) {
    const absolute = `/${text.replace(/^\.?\/*/, '')}`;
    throw new InvalidArgumentError(
      `invalid glob ${JSON.stringify(text)}: ${GLOB_RULE}; did you mean ${JSON.stringify(absolute)}?`,
    );
  }
  compileGlob(text);
  return text;
}

/**
 * A join or group key may only use the capture groups its glob has ("$2" needs two '(…)'),
 * counted as the datum planner counts them. `$0` is the whole path.
 */
function captureGroupProblem(key: string, glob: string): string | null {
  const groups = compileCaptureGlob(glob).groupCount;
  const missing = templateGroups(key).find((group) => group > groups);
  if (missing === undefined) return null;
  return `got ${show(key)}: $${missing} is not a capture group of the glob ${show(glob)}, which has ${groups === 0 ? 'none' : `$1…$${groups}`}; capture with parentheses, e.g. "/(*)-(*).csv"`;
}
