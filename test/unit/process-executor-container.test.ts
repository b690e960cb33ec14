/**
 * The container mode of the process executor. The arguments given to `docker run` / `podman run`
 * are checked everywhere; a real container runs only where an engine answers `info` (on machines
 * with the docker CLI but no daemon, as on many CI runners, that test is skipped with the reason).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  containerRunArgs,
  isContainerEngineReachable,
  ProcessExecutor,
} from '../../adapters/local/process-executor.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { datumRun, outputsAsText } from '../fixtures/executor/datum-runs.ts';

const layout = {
  containerName: 'strata-0123456789abcdef',
  image: 'python:3.12-slim',
  cmd: ['python3', '/code/score.py', '--in', '/pfs/messages'],
  pfsDir: '/scratch/datum-1-abc/pfs',
  inputNames: ['messages', 'models'],
  envNames: ['PACH_JOB_ID', 'messages'],
  workingDir: null,
};

describe('containerRunArgs', () => {
  it('mounts inputs read-only and /pfs/out writable, passes env by name, and replaces the entrypoint with cmd', () => {
    expect(containerRunArgs(layout)).toEqual([
      'run',
      '--rm',
      '-i',
      '--name',
      'strata-0123456789abcdef',
      '-v',
      '/scratch/datum-1-abc/pfs/messages:/pfs/messages:ro',
      '-v',
      '/scratch/datum-1-abc/pfs/models:/pfs/models:ro',
      '-v',
      '/scratch/datum-1-abc/pfs/out:/pfs/out',
      '-e',
      'PACH_JOB_ID',
      '-e',
      'messages',
      '--entrypoint',
      'python3',
      'python:3.12-slim',
      '/code/score.py',
      '--in',
      '/pfs/messages',
    ]);
  });

  it("keeps the image's own entrypoint when cmd is empty, and sets working_dir when given", () => {
    const args = containerRunArgs({ ...layout, cmd: [], workingDir: '/code' });

    expect(args.slice(-3)).toEqual(['-w', '/code', 'python:3.12-slim']);
    expect(args).not.toContain('--entrypoint');
  });

  it('rejects a scratch directory that a volume option cannot name', () => {
    expect(() => containerRunArgs({ ...layout, pfsDir: '/scratch/a:b/pfs' })).toThrow(InvalidArgumentError);
  });
});

const engine = (await isContainerEngineReachable('docker'))
  ? 'docker'
  : (await isContainerEngineReachable('podman'))
    ? 'podman'
    : null;
if (engine === null) {
  console.log(
    '[process-executor] skipping the live container test: neither `docker info` nor `podman info` succeeds here (no engine running)',
  );
}

describe.skipIf(engine === null)('ProcessExecutor with a container engine', () => {
  it('runs the datum in the image with /pfs mounted', async () => {
    const scratchDir = await mkdtemp(join(tmpdir(), 'strata-executor-'));
    const executor = new ProcessExecutor({ scratchDir });
    const image = process.env.STRATA_TEST_IMAGE ?? 'busybox:stable';

    const outcome = await executor.runDatum(
      datumRun({ transform: { image, cmd: ['sh', '-c', 'cp /pfs/in/a.txt /pfs/out/copy.txt'] } }),
    );

    expect(outcome).toMatchObject({ state: 'success', mode: engine });
    expect(await outputsAsText(outcome.outputs)).toEqual({ '/copy.txt': 'hello\n' });
    await outcome.cleanup();
    await rm(scratchDir, { recursive: true, force: true });
  });
});
