import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { parseBranchRef, parseCommitRef, parseFileRef } from '../../versioning/refs.ts';

const ID = '0123456789abcdef0123456789abcdef';

describe('parseCommitRef', () => {
  it('reads a branch head', () => {
    expect(parseCommitRef('images@master')).toEqual({
      repo: 'images',
      base: { kind: 'branch', branch: 'master' },
      ancestors: 0,
    });
  });

  it('reads a 32-hex name as a commit ID', () => {
    expect(parseCommitRef(`images@${ID}`).base).toEqual({ kind: 'commit', commit: ID });
  });

  it('counts ancestry written as ^, ^^, ^N and ~N', () => {
    expect(parseCommitRef('r@master^').ancestors).toBe(1);
    expect(parseCommitRef('r@master^^').ancestors).toBe(2);
    expect(parseCommitRef('r@master^3').ancestors).toBe(3);
    expect(parseCommitRef('r@master~2').ancestors).toBe(2);
    expect(parseCommitRef(`r@${ID}^2^`).ancestors).toBe(3);
  });

  it.each(['images', '@master', 'images@', 'bad name@master', 'r@^', 'r@a.b', 'r@master:'])(
    'rejects %j with an error that names it',
    (text) => {
      expect(() => parseCommitRef(text)).toThrow(InvalidArgumentError);
    },
  );
});

describe('parseFileRef', () => {
  it('splits at the first colon after @ so paths may hold colons', () => {
    const ref = parseFileRef('logs@master:/2024/10:00.txt');
    expect(ref.path).toBe('/2024/10:00.txt');
    expect(ref.base).toEqual({ kind: 'branch', branch: 'master' });
  });

  it('uses the default path when none is given', () => {
    expect(parseFileRef('logs@master', { defaultPath: '/', allowRoot: true }).path).toBe('/');
  });

  it('rejects a path that climbs out with ..', () => {
    expect(() => parseFileRef('logs@master:/a/../../etc')).toThrow(/'\.\.' segments are not allowed/);
  });

  it('requires a path when there is no default', () => {
    expect(() => parseFileRef('logs@master')).toThrow(/expected repo@ref:\/path/);
  });
});

describe('parseBranchRef', () => {
  it('refuses a branch name that reads as a commit ID', () => {
    expect(() => parseBranchRef(`r@${ID}`)).toThrow(/would read as a commit ID/);
  });
});
