/**
 * The pure pieces behind every executor: request validation, the datum's environment, `/pfs`
 * rewriting for the $PFS fallback, log tails, and bubblewrap's sandbox arguments.
 */
import { describe, expect, it } from 'vitest';
import { bwrapArgs } from '../../adapters/local/process-executor.ts';
import {
  datumEnvironment,
  isAcceptedExitCode,
  LogTail,
  rewritePfsPaths,
  validateDatumRun,
} from '../../pipelines/executor.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { datumRun, INPUT_COMMIT, OUTPUT_COMMIT, textInput } from '../fixtures/executor/datum-runs.ts';

describe('validateDatumRun', () => {
  it.each([
    ['datumTries 0', { datumTries: 0 }, /invalid datumTries 0/],
    ['a negative timeout', { datumTimeoutMs: -1 }, /invalid datumTimeoutMs -1/],
    ['an input named out', { inputCommits: { out: INPUT_COMMIT } }, /invalid input name "out"/],
    ['an input named PATH', { inputCommits: { PATH: INPUT_COMMIT } }, /invalid input name "PATH"/],
    ['an input name with a slash', { inputCommits: { 'a/b': INPUT_COMMIT } }, /invalid input name "a\/b"/],
    ['a file of an unknown input', { inputs: [textInput('other', '/a', '')] }, /names input "other"/],
    ['a file path with ..', { inputs: [textInput('in', '/a/../b', '')] }, /'..' segments are not allowed/],
  ])('rejects %s', (_name, fields, message) => {
    expect(() => validateDatumRun(datumRun({ ...fields, transform: { cmd: ['true'] } }))).toThrow(message);
  });

  it('rejects a transform with a bad env name or exit code', () => {
    expect(() => validateDatumRun(datumRun({ transform: { env: { 'A=B': 'x' } } }))).toThrow(
      InvalidArgumentError,
    );
    expect(() => validateDatumRun(datumRun({ transform: { acceptReturnCode: [256] } }))).toThrow(
      'invalid transform.acceptReturnCode 256: exit codes are 0–255',
    );
  });
});

describe('datumEnvironment', () => {
  it("uses Pachyderm's names with STRATA_ twins, and lets the platform's values win over the spec's", () => {
    const run = datumRun({
      inputCommits: { in: INPUT_COMMIT, model: INPUT_COMMIT },
      matchedPaths: { in: '/2024/a.txt', model: '/' },
      transform: { env: { LEVEL: 'debug', PACH_DATUM_ID: 'spoofed' } },
    });

    expect(datumEnvironment(run, '/pfs')).toEqual({
      LEVEL: 'debug',
      PACH_JOB_ID: 'job-1',
      STRATA_JOB_ID: 'job-1',
      PACH_OUTPUT_COMMIT_ID: OUTPUT_COMMIT,
      STRATA_OUTPUT_COMMIT_ID: OUTPUT_COMMIT,
      PACH_DATUM_ID: 'datum-1',
      STRATA_DATUM_ID: 'datum-1',
      PPS_PIPELINE_NAME: 'copy',
      STRATA_PIPELINE_NAME: 'copy',
      in: '/pfs/in/2024/a.txt',
      STRATA_INPUT_in: '/pfs/in/2024/a.txt',
      in_COMMIT: INPUT_COMMIT,
      STRATA_INPUT_in_COMMIT: INPUT_COMMIT,
      model: '/pfs/model',
      STRATA_INPUT_model: '/pfs/model',
      model_COMMIT: INPUT_COMMIT,
      STRATA_INPUT_model_COMMIT: INPUT_COMMIT,
      PFS: '/pfs',
    });
  });
});

describe('rewritePfsPaths', () => {
  it.each([
    ['/pfs/in/a.txt', '/s/pfs/in/a.txt'],
    ['cp /pfs/in/* /pfs/out/', 'cp /s/pfs/in/* /s/pfs/out/'],
    ['--input=/pfs/in', '--input=/s/pfs/in'],
    ['"/pfs/out/x"', '"/s/pfs/out/x"'],
    ['ls /pfs', 'ls /s/pfs'],
    ['/data/pfs/x', '/data/pfs/x'],
    ['/pfsx/y', '/pfsx/y'],
    ['/pfs.txt', '/pfs.txt'],
    ['https://example.com/pfs/x', 'https://example.com/pfs/x'],
  ])('rewrites %j to %j', (text, expected) => {
    expect(rewritePfsPaths(text, '/s/pfs')).toBe(expected);
  });
});

describe('LogTail', () => {
  it('keeps everything below its limit', () => {
    const tail = new LogTail(10);
    tail.append('abc');
    tail.append(new TextEncoder().encode('def'));

    expect(tail.text()).toBe('abcdef');
    expect(tail.droppedBytes).toBe(0);
  });

  it('keeps the last bytes and says how many were dropped', () => {
    const tail = new LogTail(4);
    tail.append('0123');
    tail.append('45');
    tail.append('6789');

    expect(tail.droppedBytes).toBe(6);
    expect(tail.text()).toBe('[strata] … 6 earlier bytes dropped: logs keep the last 4 bytes …\n6789');
  });

  it('decodes a character cut in half as a replacement character', () => {
    const tail = new LogTail(2);
    tail.append('é!');

    expect(tail.text().endsWith('\uFFFD!')).toBe(true);
  });
});

describe('isAcceptedExitCode', () => {
  it('accepts 0 and the listed codes only', () => {
    expect(isAcceptedExitCode(0, [])).toBe(true);
    expect(isAcceptedExitCode(2, [2, 3])).toBe(true);
    expect(isAcceptedExitCode(1, [2, 3])).toBe(false);
  });
});

describe('bwrapArgs', () => {
  it("rebuilds the host's root, mounts the datum at /pfs with read-only inputs, and changes directory", () => {
    const args = bwrapArgs({
      rootEntries: [
        { name: 'usr', kind: 'bind' },
        { name: 'bin', kind: 'symlink', target: 'usr/bin' },
        { name: 'dev', kind: 'bind' },
        { name: 'proc', kind: 'bind' },
        { name: 'pfs', kind: 'bind' },
      ],
      pfsDir: '/scratch/d/pfs',
      inputNames: ['in'],
      cwd: '/',
    });

    expect(args).toEqual([
      '--unshare-pid',
      '--bind',
      '/usr',
      '/usr',
      '--symlink',
      'usr/bin',
      '/bin',
      '--dev-bind',
      '/dev',
      '/dev',
      '--proc',
      '/proc',
      '--bind',
      '/scratch/d/pfs',
      '/pfs',
      '--ro-bind',
      '/scratch/d/pfs/in',
      '/pfs/in',
      '--chdir',
      '/',
      '--',
    ]);
  });
});
