/**
 * Lineage for a terminal: one line per commit or file and per datum, indented by step. Pure: it
 * turns the values traceLineage and downstream return into text lines, and reads nothing.
 *
 * Rules of the layout:
 * - A pipeline output reads `ref  ← pipeline NAME vN (job ID, image IMAGE)`; an origin commit,
 *   where lineage ends, reads `ref  [origin: user commit]`.
 * - A traced file lists, one level in, the datums that wrote it; a datum with one input file
 *   names it on its own line (`datum ID ← ref`), with several it counts them and lists each
 *   one level further in. A reused datum says which earlier job ran it.
 * - A file or commit already shown is not expanded again (`(traced above)`).
 */
import type { DownstreamCommit, LineageNode, Producer } from './model.ts';

export interface FormatOptions {
  /** Print whole IDs instead of their first 8 characters. @default false */
  readonly fullIds?: boolean;
}

const INDENT = '  ';
const SHORT_ID = 8;

export function formatLineage(root: LineageNode, options: FormatOptions = {}): string[] {
  const id = idFormatter(options);
  const lines: string[] = [];
  const shown = new Set<LineageNode>();

  const refText = (node: LineageNode) =>
    `${node.repo}@${id(node.commit)}${node.path === null ? '' : `:${node.path}`}`;

  const nodeLine = (node: LineageNode): string => {
    const notes = [
      node.producer ? `  ← ${producerText(node.producer, id)}` : `  [origin: ${node.origin} commit]`,
      node.state === 'failed' ? '  [commit failed]' : '',
      node.stopped === 'depth-limit' ? '  [stopped: depth limit]' : '',
      node.stopped === 'cycle' ? '  [stopped: cycle]' : '',
    ];
    return `${refText(node)}${notes.join('')}`;
  };

  const writeNode = (node: LineageNode, depth: number) => {
    const pad = INDENT.repeat(depth);
    if (node.producer && shown.has(node)) {
      lines.push(`${pad}${refText(node)}  (traced above)`);
      return;
    }
    shown.add(node);
    lines.push(`${pad}${nodeLine(node)}`);
    if (!node.producer || node.stopped) return;
    if (node.path === null) {
      for (const input of node.inputCommits) writeNode(input, depth + 1);
      return;
    }
    if (node.datums.length === 0) lines.push(`${pad}${INDENT}(no datum of the job wrote this file)`);
    for (const datum of node.datums) {
      const reused = datum.skipped ? ` (reused from job ${id(datum.source)})` : '';
      const head = `${pad}${INDENT}datum ${id(datum.id)}${reused} ←`;
      const [only, ...others] = datum.inputs;
      if (only && others.length === 0) {
        const file = only.file;
        lines.push(`${head} ${file.producer ? refText(file) : nodeLine(file)}`);
        if (file.producer) writeNode(file, depth + 2);
        continue;
      }
      lines.push(
        `${head} ${datum.inputs.length === 0 ? 'no input files' : `${datum.inputs.length} input files`}`,
      );
      for (const input of datum.inputs) writeNode(input.file, depth + 2);
    }
  };

  writeNode(root, 0);
  return lines;
}

/** One line per downstream commit, indented by its distance from the start. */
export function formatDownstream(steps: readonly DownstreamCommit[], options: FormatOptions = {}): string[] {
  const id = idFormatter(options);
  return steps.map((step) => {
    const from = step.from.map((input) => `${input.repo}@${id(input.commit)}`).join(', ');
    const failed = step.state === 'failed' ? '  [commit failed]' : step.state === 'open' ? '  [open]' : '';
    return `${INDENT.repeat(step.depth - 1)}${step.repo}@${id(step.commit)}  ← ${producerText(step.producer, id)} from ${from}${failed}`;
  });
}

function producerText(producer: Producer, id: (value: string) => string): string {
  const state = producer.jobState === null || producer.jobState === 'success' ? '' : `, ${producer.jobState}`;
  return `pipeline ${producer.pipeline} v${producer.specVersion} (job ${id(producer.job)}, image ${producer.image ?? 'none'}${state})`;
}

function idFormatter(options: FormatOptions): (value: string) => string {
  return options.fullIds ? (value) => value : (value) => `${value.slice(0, SHORT_ID)}…`;
}
