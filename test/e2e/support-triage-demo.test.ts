import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSupportTriageDemo, type SupportTriageDemoResult } from '../../cli/demo/support-triage.ts';

describe('the support-triage demo (npm start)', () => {
  let root: string;
  let home: string;
  let result: SupportTriageDemoResult;
  const printed: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-triage-'));
    home = join(root, '.strata');
    result = await runSupportTriageDemo({ home, log: (line) => printed.push(line) });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('runs both pipelines to success, the first jobs on every datum', () => {
    const [score, report] = [result.jobs.score[0], result.jobs.report[0]];

    expect(score.state).toBe('success');
    expect(score.counts).toMatchObject({ total: 40, processed: 40, skipped: 0, failed: 0 });
    expect(report.state).toBe('success');
    expect(report.counts).toMatchObject({ total: 1, processed: 1, failed: 0 });
  });

  it('after one message is edited, scores only that message and reuses the other 39 outputs', () => {
    const score = result.jobs.score[1];

    expect(score.state).toBe('success');
    expect(score.commitSet).toBe(result.editCommit.globalId);
    expect(score.counts).toMatchObject({ total: 40, processed: 1, skipped: 39, failed: 0 });
  });

  it('runs the report again on the new scores, in the same global ID', () => {
    const report = result.jobs.report[1];

    expect(report.state).toBe('success');
    expect(report.commitSet).toBe(result.editCommit.globalId);
    expect(report.counts).toMatchObject({ total: 1, processed: 1 });
  });

  it('reports the edit: one praise fewer, one outage more, and the edited message first among the urgent', () => {
    const { before, after } = result.reports;

    expect(after.messages).toBe(40);
    expect(after.categories.praise?.messages).toBe((before.categories.praise?.messages ?? 0) - 1);
    expect(after.categories.outage?.messages).toBe((before.categories.outage?.messages ?? 0) + 1);
    expect(after.averageSentiment).toBeLessThan(before.averageSentiment);
    expect(after.mostUrgent[0]).toMatchObject({ message: result.editedPath.slice(1), category: 'outage' });
  });

  it('traces /report.json to the edit commit for the edited message and to the first commit for the rest', () => {
    const { lineage, rawInputs, firstCommit, editCommit, editedPath } = result;
    const [datum] = lineage.datums;

    expect(lineage).toMatchObject({ repo: 'report', path: '/report.json' });
    expect(lineage.producer).toMatchObject({ pipeline: 'report', job: editCommit.globalId });
    expect(datum?.inputs).toHaveLength(40);
    expect(datum?.inputs.filter((input) => input.file.datums[0]?.skipped)).toHaveLength(39);
    expect(rawInputs).toHaveLength(2);
    expect(rawInputs).toContainEqual({ repo: 'messages', commit: editCommit.id, paths: [editedPath] });
    expect(rawInputs).toContainEqual(
      expect.objectContaining({ repo: 'messages', commit: firstCommit.id, paths: expect.any(Array) }),
    );
    expect(rawInputs.find((input) => input.commit === firstCommit.id)?.paths).toHaveLength(39);
  });

  it('prints the strata command for each step', () => {
    expect(printed).toEqual(
      expect.arrayContaining([
        '$ strata create repo messages',
        `$ strata put file messages@master:${result.editedPath} -f ${join(result.workDir, 'messages', result.editedPath.slice(1))}`,
        `$ strata inspect job score@${result.editCommit.globalId}`,
        '$ strata lineage report@master:/report.json',
      ]),
    );
  });

  it('refuses a home that already holds repos, naming them', async () => {
    await expect(runSupportTriageDemo({ home, log: () => {} })).rejects.toThrow(
      /needs an empty Strata home, but .* already holds .*messages/,
    );
  });
});
