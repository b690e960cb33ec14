/**
 * The local process executor, with real processes, in every host mode this machine offers:
 * inputs at /pfs/<input>, output from /pfs/out, stdin lines, environment, logs, working dir.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isContainerEngineReachable, ProcessExecutor } from '../../adapters/local/process-executor.ts';
import {
  datumRun,
  fixturePath,
  hostModesUnderTest,
  INPUT_COMMIT,
  OUTPUT_COMMIT,
  outputsAsText,
  readText,
  textInput,
} from '../fixtures/executor/datum-runs.ts';

const modes = await hostModesUnderTest();
const containerEngineReachable =
  (await isContainerEngineReachable('docker')) || (await isContainerEngineReachable('podman'));

for (const { mode, skipReason } of modes) {
  describe.skipIf(skipReason !== null)(`ProcessExecutor in ${mode} mode`, () => {
    let scratchDir: string;
    let executor: ProcessExecutor;

    beforeEach(async () => {
      scratchDir = await mkdtemp(join(tmpdir(), 'strata-executor-'));
      executor = new ProcessExecutor({ scratchDir, hostIsolation: mode, containerEngine: 'none' });
    });
    afterEach(async () => {
      await rm(scratchDir, { recursive: true, force: true });
    });

    it('runs a datum that copies its input to /pfs/out and streams the output back', async () => {
      // Arrange
      const run = datumRun({
        transform: {
          cmd: [
            'sh',
            '-c',
            'cp /pfs/in/a.txt /pfs/out/copy.txt && mkdir -p /pfs/out/sub && echo hi > /pfs/out/sub/b.txt',
          ],
        },
      });

      // Act
      const outcome = await executor.runDatum(run);

      // Assert
      expect(outcome).toMatchObject({ state: 'success', stopped: false, attempts: 1, exitCode: 0, mode });
      expect(outcome.outputs.map((file) => [file.path, file.size])).toEqual([
        ['/copy.txt', 6],
        ['/sub/b.txt', 3],
      ]);
      expect(await outputsAsText(outcome.outputs)).toEqual({ '/copy.txt': 'hello\n', '/sub/b.txt': 'hi\n' });
      await outcome.cleanup();
      await outcome.cleanup();
      expect(await readdir(scratchDir)).toEqual([]);
    });

    it('writes the stdin lines to the command, so `cmd: [sh]` runs them as a script', async () => {
      const run = datumRun({
        transform: {
          cmd: ['sh'],
          stdin: ['echo first > /pfs/out/lines.txt', 'cat /pfs/in/a.txt >> /pfs/out/lines.txt'],
        },
      });

      const outcome = await executor.runDatum(run);

      expect(outcome.state).toBe('success');
      expect(await outputsAsText(outcome.outputs)).toEqual({ '/lines.txt': 'first\nhello\n' });
      await outcome.cleanup();
    });

    it("sets Pachyderm's environment variables, their STRATA_ twins and the transform's env", async () => {
      // Arrange
      process.env.STRATA_TEST_HOST_SECRET = 'not for datums';
      const script = "require('fs').writeFileSync('/pfs/out/env.json', JSON.stringify(process.env))";
      const run = datumRun({
        matchedPaths: { in: '/a.txt' },
        transform: { cmd: [process.execPath, '-e', script], env: { GREETING: 'hi', PACH_JOB_ID: 'spoofed' } },
      });

      // Act
      const outcome = await executor.runDatum(run);
      const env: Record<string, string> = JSON.parse(await readText(outcome.outputs[0]!));
      await outcome.cleanup();
      delete process.env.STRATA_TEST_HOST_SECRET;

      // Assert
      const pfs = mode === 'bwrap' ? '/pfs' : env.PFS;
      expect(pfs).toMatch(/^\/.*pfs$/);
      expect(env).toMatchObject({
        PACH_JOB_ID: 'job-1',
        STRATA_JOB_ID: 'job-1',
        PACH_OUTPUT_COMMIT_ID: OUTPUT_COMMIT,
        STRATA_OUTPUT_COMMIT_ID: OUTPUT_COMMIT,
        PACH_DATUM_ID: 'datum-1',
        STRATA_DATUM_ID: 'datum-1',
        PPS_PIPELINE_NAME: 'copy',
        STRATA_PIPELINE_NAME: 'copy',
        in: `${pfs}/in/a.txt`,
        STRATA_INPUT_in: `${pfs}/in/a.txt`,
        in_COMMIT: INPUT_COMMIT,
        STRATA_INPUT_in_COMMIT: INPUT_COMMIT,
        GREETING: 'hi',
        PATH: process.env.PATH,
      });
      expect(env.STRATA_TEST_HOST_SECRET).toBeUndefined();
    });

    it('runs in the parent of the pfs tree by default, and in working_dir when given', async () => {
      const byDefault = await executor.runDatum(
        datumRun({ transform: { cmd: ['sh', '-c', 'cp pfs/in/a.txt pfs/out/default.txt'] } }),
      );
      const inInput = await executor.runDatum(
        datumRun({ transform: { cmd: ['sh', '-c', 'cp a.txt /pfs/out/given.txt'], workingDir: '/pfs/in' } }),
      );

      expect(await outputsAsText(byDefault.outputs)).toEqual({ '/default.txt': 'hello\n' });
      expect(await outputsAsText(inInput.outputs)).toEqual({ '/given.txt': 'hello\n' });
      await byDefault.cleanup();
      await inInput.cleanup();
    });

    it('keeps stdout and stderr as logs, only the last bytes when they are long', async () => {
      const small = new ProcessExecutor({
        scratchDir,
        hostIsolation: mode,
        containerEngine: 'none',
        logLimitBytes: 100,
      });
      const script = "process.stdout.write('x'.repeat(5000) + 'END'); process.stderr.write('warned')";

      const outcome = await small.runDatum(
        datumRun({ transform: { cmd: [process.execPath, '-e', script] } }),
      );

      expect(outcome.logs.stdout).toMatch(
        /^\[strata\] … 4903 earlier bytes dropped: logs keep the last 100 bytes …\n/,
      );
      expect(outcome.logs.stdout.endsWith(`${'x'.repeat(97)}END`)).toBe(true);
      expect(outcome.logs.stderr).toBe('warned');
      await outcome.cleanup();
    });

    it('materialises empty_files inputs as empty files without reading them', async () => {
      const file = { ...textInput('in', '/deep/dir/big.bin', 'never read'), empty: true };
      const run = datumRun({
        inputs: [file],
        transform: { cmd: ['sh', '-c', 'wc -c < /pfs/in/deep/dir/big.bin > /pfs/out/size'] },
      });

      const outcome = await executor.runDatum(run);

      expect((await outputsAsText(outcome.outputs))['/size']?.trim()).toBe('0');
      expect(file.opened).toBe(0);
      await outcome.cleanup();
    });

    it('gives every input a /pfs/<input> directory, even one without files in this datum', async () => {
      const run = datumRun({
        inputCommits: { in: INPUT_COMMIT, other: INPUT_COMMIT },
        transform: { cmd: ['sh', '-c', 'ls -a /pfs/other > /pfs/out/listing'] },
      });

      const outcome = await executor.runDatum(run);

      expect(await outputsAsText(outcome.outputs)).toEqual({ '/listing': '.\n..\n' });
      await outcome.cleanup();
    });

    it('runs several datums at once, each in its own scratch directory', async () => {
      const runs = ['one', 'two', 'three', 'four'].map((word) =>
        datumRun({
          inputs: [textInput('in', '/a.txt', word)],
          transform: { cmd: ['sh', '-c', 'sleep 0.2; cp /pfs/in/a.txt /pfs/out/word'] },
        }),
      );

      const outcomes = await Promise.all(runs.map((run) => executor.runDatum(run)));

      expect(await Promise.all(outcomes.map(async (o) => readText(o.outputs[0]!)))).toEqual([
        'one',
        'two',
        'three',
        'four',
      ]);
      await Promise.all(outcomes.map((outcome) => outcome.cleanup()));
    });

    it('does not collect files written outside /pfs/out', async () => {
      const elsewhere = await mkdtemp(join(tmpdir(), 'strata-elsewhere-'));
      const run = datumRun({
        transform: { cmd: ['sh', '-c', `echo x > ${elsewhere}/stray.txt; echo y > /pfs/out/kept.txt`] },
      });

      const outcome = await executor.runDatum(run);

      expect(outcome.outputs.map((file) => file.path)).toEqual(['/kept.txt']);
      await outcome.cleanup();
      await rm(elsewhere, { recursive: true, force: true });
    });

    it('outputs a symlink into the inputs as the file it points to', async () => {
      const run = datumRun({ transform: { cmd: ['ln', '-s', '/pfs/in/a.txt', '/pfs/out/linked.txt'] } });

      const outcome = await executor.runDatum(run);

      expect(outcome.state).toBe('success');
      expect(await outputsAsText(outcome.outputs)).toEqual({ '/linked.txt': 'hello\n' });
      await outcome.cleanup();
    });

    it.skipIf(containerEngineReachable)(
      'runs a transform that names an image on the host when no engine answers',
      async () => {
        const run = datumRun({
          transform: { image: 'python:3.12-slim', cmd: ['sh', '-c', 'cp /pfs/in/a.txt /pfs/out/'] },
        });

        const outcome = await executor.runDatum(run);

        expect(outcome).toMatchObject({ state: 'success', mode });
        expect(outcome.logs.stderr).toContain('not in image python:3.12-slim');
        await outcome.cleanup();
      },
    );
  });
}

describe.skipIf(modes.find((m) => m.mode === 'bwrap')?.skipReason !== null)(
  'ProcessExecutor in bwrap mode only',
  () => {
    it('lets code that names /pfs inside its own files find the real /pfs', async () => {
      const scratchDir = await mkdtemp(join(tmpdir(), 'strata-executor-'));
      const executor = new ProcessExecutor({ scratchDir, hostIsolation: 'bwrap', containerEngine: 'none' });

      const outcome = await executor.runDatum(
        datumRun({ transform: { cmd: ['sh', fixturePath('copy-input.sh')] } }),
      );

      expect(outcome).toMatchObject({ state: 'success', mode: 'bwrap' });
      expect(await outputsAsText(outcome.outputs)).toEqual({ '/from-script.txt': 'hello\n' });
      await outcome.cleanup();
      await rm(scratchDir, { recursive: true, force: true });
    });
  },
);

describe('ProcessExecutor in host-env mode only', () => {
  it('rewrites /pfs paths in argv and stdin, but not inside the code’s own files', async () => {
    const scratchDir = await mkdtemp(join(tmpdir(), 'strata-executor-'));
    const executor = new ProcessExecutor({ scratchDir, hostIsolation: 'host-env', containerEngine: 'none' });

    const outcome = await executor.runDatum(
      datumRun({ datumTries: 1, transform: { cmd: ['sh', fixturePath('copy-input.sh')] } }),
    );

    expect(outcome).toMatchObject({ state: 'failed', mode: 'host-env' });
    expect(outcome.logs.stderr).toContain('/pfs/in/a.txt');
    await rm(scratchDir, { recursive: true, force: true });
  });
});
