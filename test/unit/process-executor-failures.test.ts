/**
 * How datums fail, retry and recover in the local process executor, with real processes, in every
 * host mode this machine offers: accept_return_code, datum_tries, err_cmd, datum timeouts, stops,
 * missing commands, writes into inputs, and outputs that break the rules.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessExecutor } from '../../adapters/local/process-executor.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import {
  datumRun,
  fixturePath,
  hostModesUnderTest,
  outputsAsText,
  textInput,
} from '../fixtures/executor/datum-runs.ts';

const modes = await hostModesUnderTest();

/** Node code that ignores SIGTERM, so only the SIGKILL after the grace period ends it. */
const IGNORES_SIGTERM = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)";

for (const { mode, skipReason } of modes) {
  describe.skipIf(skipReason !== null)(`ProcessExecutor failures in ${mode} mode`, () => {
    let scratchDir: string;
    let stateDir: string;
    let executor: ProcessExecutor;

    beforeEach(async () => {
      scratchDir = await mkdtemp(join(tmpdir(), 'strata-executor-'));
      stateDir = await mkdtemp(join(tmpdir(), 'strata-executor-state-'));
      executor = new ProcessExecutor({
        scratchDir,
        hostIsolation: mode,
        containerEngine: 'none',
        killGraceMs: 200,
      });
    });
    afterEach(async () => {
      await rm(scratchDir, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
    });

    it('counts an exit code listed in accept_return_code as success', async () => {
      const cmd = ['sh', '-c', 'echo ok > /pfs/out/x; exit 3'];

      const accepted = await executor.runDatum(datumRun({ transform: { cmd, acceptReturnCode: [3] } }));
      const refused = await executor.runDatum(datumRun({ datumTries: 1, transform: { cmd } }));

      expect(accepted).toMatchObject({ state: 'success', exitCode: 3 });
      expect(await outputsAsText(accepted.outputs)).toEqual({ '/x': 'ok\n' });
      expect(refused).toMatchObject({
        state: 'failed',
        exitCode: 3,
        error: 'sh exited with code 3',
        outputs: [],
      });
      await accepted.cleanup();
    });

    it('retries a failing datum up to datum_tries, each attempt with an empty /pfs/out', async () => {
      // Arrange: the script fails on runs 1 and 2 and succeeds on run 3.
      const run = datumRun({
        transform: { cmd: ['sh', fixturePath('fail-until.sh'), join(stateDir, 'count'), '3'] },
      });

      // Act
      const outcome = await executor.runDatum(run);

      // Assert
      expect(outcome).toMatchObject({ state: 'success', attempts: 3, exitCode: 0 });
      expect(await outputsAsText(outcome.outputs)).toEqual({ '/run-3.txt': 'run 3\n' });
      expect(outcome.logs.stdout).toBe('attempt 1\nattempt 2\nattempt 3\n');
      expect(outcome.logs.stderr).toContain('[strata] attempt 1 of 3 failed: sh exited with code 1');
      expect(outcome.logs.stderr).toContain('[strata] attempt 3 of 3');
      await outcome.cleanup();
    });

    it('fails after the last attempt and keeps no output', async () => {
      const run = datumRun({
        datumTries: 2,
        transform: { cmd: ['sh', fixturePath('fail-until.sh'), join(stateDir, 'n'), '9'] },
      });

      const outcome = await executor.runDatum(run);

      expect(outcome).toMatchObject({
        state: 'failed',
        attempts: 2,
        exitCode: 1,
        outputs: [],
        stopped: false,
      });
      expect(await readdir(scratchDir)).toEqual([]);
    });

    it('marks the datum recovered when err_cmd succeeds after the last attempt', async () => {
      const run = datumRun({
        datumTries: 2,
        transform: {
          cmd: ['sh', '-c', 'echo partial > /pfs/out/partial; exit 1'],
          errCmd: ['sh'],
          errStdin: [`echo "recovering $PACH_DATUM_ID" > ${join(stateDir, 'err-ran')}`],
        },
      });

      const outcome = await executor.runDatum(run);

      expect(outcome).toMatchObject({ state: 'recovered', attempts: 2, exitCode: 1, outputs: [] });
      expect(outcome.error).toBe('sh exited with code 1');
      expect(outcome.logs.stderr).toContain('err_cmd succeeded: the datum is recovered');
      expect(await readdir(stateDir)).toEqual(['err-ran']);
    });

    it('fails the datum when err_cmd fails too, naming both errors', async () => {
      const run = datumRun({ datumTries: 1, transform: { cmd: ['false'], errCmd: ['sh', '-c', 'exit 4'] } });

      const outcome = await executor.runDatum(run);

      expect(outcome).toMatchObject({ state: 'failed', attempts: 1 });
      expect(outcome.error).toBe('false exited with code 1; err_cmd: sh exited with code 4');
    });

    it('kills an attempt that passes datum_timeout, even one that ignores SIGTERM', async () => {
      const run = datumRun({
        datumTries: 2,
        datumTimeoutMs: 300,
        transform: { cmd: [process.execPath, '-e', IGNORES_SIGTERM] },
      });

      const outcome = await executor.runDatum(run);

      expect(outcome).toMatchObject({ state: 'failed', stopped: false, attempts: 2, exitCode: null });
      expect(outcome.error).toMatch(/timed out after 300 ms \(datum_timeout\) and was killed$/);
    });

    it('gives the command the grace period after SIGTERM to finish', async () => {
      const graceful = join(stateDir, 'graceful');
      const script = `process.on('SIGTERM', () => { require('fs').writeFileSync(${JSON.stringify(graceful)}, 'done'); process.exit(0) }); setInterval(() => {}, 1000)`;
      const slow = new ProcessExecutor({
        scratchDir,
        hostIsolation: mode,
        containerEngine: 'none',
        killGraceMs: 10_000,
      });

      const outcome = await slow.runDatum(
        datumRun({
          datumTries: 1,
          datumTimeoutMs: 1500,
          transform: { cmd: [process.execPath, '-e', script] },
        }),
      );

      expect(outcome).toMatchObject({ state: 'failed', attempts: 1 });
      expect(outcome.error).toMatch(/timed out after 1500 ms/);
      expect(await readdir(stateDir)).toEqual(['graceful']);
    });

    it('stops at once when the job is stopped, without retrying or running err_cmd', async () => {
      const controller = new AbortController();
      const run = datumRun({
        signal: controller.signal,
        transform: {
          cmd: ['sh', '-c', 'sleep 30'],
          errCmd: ['sh', '-c', `touch ${join(stateDir, 'err-ran')}`],
        },
      });
      setTimeout(() => controller.abort(new Error('job stopped by the user')), 200);

      const outcome = await executor.runDatum(run);

      expect(outcome).toMatchObject({ state: 'failed', stopped: true, attempts: 1, outputs: [] });
      expect(outcome.error).toBe('stopped before the datum finished: job stopped by the user');
      expect(await readdir(stateDir)).toEqual([]);
      expect(await readdir(scratchDir)).toEqual([]);
    });

    it('does not start a datum whose job is already stopped', async () => {
      const file = textInput('in', '/a.txt', 'x');
      const run = datumRun({ signal: AbortSignal.abort(), inputs: [file], transform: { cmd: ['true'] } });

      const outcome = await executor.runDatum(run);

      expect(outcome).toMatchObject({ state: 'failed', stopped: true, attempts: 0 });
      expect(file.opened).toBe(0);
    });

    it('reports a command that does not exist, without retrying it', async () => {
      const run = datumRun({ transform: { cmd: ['strata-no-such-command', '--flag'] } });

      const outcome = await executor.runDatum(run);

      expect(outcome).toMatchObject({ state: 'failed', attempts: 1, exitCode: null });
      expect(outcome.error).toBe('command not found: strata-no-such-command');
    });

    it('reports a working_dir that does not exist', async () => {
      const run = datumRun({ transform: { cmd: ['true'], workingDir: '/pfs/in/missing' } });

      const outcome = await executor.runDatum(run);

      expect(outcome.error).toBe(
        'working_dir /pfs/in/missing does not exist: create it, or remove transform.working_dir',
      );
    });

    it('fails an attempt that writes into an input, and restores the input for the next', async () => {
      // Arrange: run 1 appends to its input; run 2 copies what it finds.
      const counter = join(stateDir, 'n');
      const script = [
        `n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n + 1)) > ${counter}`,
        'if [ "$n" = 0 ]; then echo tampered >> /pfs/in/a.txt; else cp /pfs/in/a.txt /pfs/out/seen.txt; fi',
      ].join('\n');

      // Act
      const outcome = await executor.runDatum(
        datumRun({ datumTries: 2, transform: { cmd: ['sh', '-c', script] } }),
      );

      // Assert: root ignores file modes, so either the write failed or the change was caught.
      expect(outcome).toMatchObject({ state: 'success', attempts: 2 });
      expect(await outputsAsText(outcome.outputs)).toEqual({ '/seen.txt': 'hello\n' });
      expect(outcome.logs.stderr).toMatch(/attempt 1 of 2 failed: .*read-only/);
      await outcome.cleanup();
    });

    it('refuses a symlink in /pfs/out that points outside /pfs', async () => {
      const run = datumRun({
        datumTries: 1,
        transform: { cmd: ['ln', '-s', '/etc/hostname', '/pfs/out/leak'] },
      });

      const outcome = await executor.runDatum(run);

      expect(outcome).toMatchObject({ state: 'failed', outputs: [] });
      expect(outcome.error).toBe(
        '/pfs/out/leak is a symlink to /etc/hostname, outside /pfs: only files under /pfs can be output; copy the file instead',
      );
    });

    it('refuses a FIFO in /pfs/out', async () => {
      const run = datumRun({ datumTries: 1, transform: { cmd: ['mkfifo', '/pfs/out/pipe'] } });

      const outcome = await executor.runDatum(run);

      expect(outcome.error).toBe('/pfs/out/pipe is a FIFO, socket or device: only regular files are output');
    });

    it('rejects an invalid request before running anything', async () => {
      const reserved = datumRun({
        inputCommits: { out: datumRun({ transform: {} }).outputCommitId },
        transform: {},
      });
      const twice = datumRun({
        inputs: [textInput('in', '/a', ''), textInput('in', 'a', '')],
        transform: {},
      });

      await expect(executor.runDatum(reserved)).rejects.toThrow(InvalidArgumentError);
      await expect(executor.runDatum(twice)).rejects.toThrow('input file /pfs/in/a is listed twice');
    });
  });
}
