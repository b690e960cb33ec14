/**
 * The input tree as the planner sees it: every leaf a `pfs` input (a `cron` input is the `pfs`
 * input '/*' on its tick repo's 'master' branch, as in Pachyderm), and the checks a plan needs
 * before any tree is read.
 */
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { parseBranchName } from '../../versioning/ids.ts';
import type { CronInput, PfsInput, PipelineInput } from '../spec/input.ts';
import { compileCaptureGlob, templateGroups } from './glob-capture.ts';

const TICK_BRANCH = parseBranchName('master');

/** The pfs input a leaf stands for. */
export function leafOf(input: PfsInput | CronInput): PfsInput {
  if (input.kind === 'pfs') return input;
  return {
    kind: 'pfs',
    name: input.name,
    repo: input.repo,
    branch: TICK_BRANCH,
    glob: '/*',
    joinOn: null,
    outerJoin: false,
    groupBy: null,
    emptyFiles: false,
  };
}

/** Every leaf under `input`, in spec order. */
export function leavesOf(input: PipelineInput): PfsInput[] {
  if (input.kind === 'pfs' || input.kind === 'cron') return [leafOf(input)];
  return input.inputs.flatMap(leavesOf);
}

/** Names one input slot: leaves with equal keys mount the same files at the same place. */
export function leafKey(leaf: PfsInput): string {
  return JSON.stringify([leaf.name, leaf.repo, leaf.branch]);
}

/** True when the tree is made of pfs/cron leaves and unions only: each datum has one input. */
export function isUnionOfLeaves(input: PipelineInput): boolean {
  if (input.kind === 'pfs' || input.kind === 'cron') return true;
  return input.kind === 'union' && input.inputs.every(isUnionOfLeaves);
}

/**
 * Checks what would otherwise fail half-way through a plan, naming the input and what to do:
 * combinations have children; the children of a cross or join do not share an input name (their
 * files would land in the same /pfs/<name>); join_on / group_by refer to groups their glob has.
 */
export function checkInputTree(input: PipelineInput): void {
  if (input.kind === 'pfs' || input.kind === 'cron') {
    const leaf = leafOf(input);
    for (const [field, template] of [
      ['join_on', leaf.joinOn],
      ['group_by', leaf.groupBy],
    ] as const) {
      if (template === null) continue;
      const groups = compileCaptureGlob(leaf.glob).groupCount;
      const missing = templateGroups(template).filter((n) => n > groups);
      if (missing.length > 0) {
        throw new InvalidArgumentError(
          `input ${JSON.stringify(leaf.name)}: ${field} ${JSON.stringify(template)} refers to $${missing[0]}, but glob ${JSON.stringify(leaf.glob)} has ${groups} capture group(s); put parentheses around the parts of the glob to capture, e.g. "/(*).txt" for "$1"`,
        );
      }
    }
    return;
  }
  if (input.inputs.length === 0) {
    throw new InvalidArgumentError(`a ${input.kind} input needs at least one input inside it; it has none`);
  }
  if (input.kind === 'cross' || input.kind === 'join') {
    const owner = new Map<string, number>();
    input.inputs.forEach((child, i) => {
      for (const name of new Set(leavesOf(child).map((leaf) => leaf.name))) {
        const other = owner.get(name);
        if (other !== undefined) {
          throw new InvalidArgumentError(
            `the ${input.kind} has two inputs named ${JSON.stringify(name)} (its inputs ${other + 1} and ${i + 1}); their files would share /pfs/${name}: give each a distinct "name"`,
          );
        }
        owner.set(name, i);
      }
    });
  }
  for (const child of input.inputs) checkInputTree(child);
}
