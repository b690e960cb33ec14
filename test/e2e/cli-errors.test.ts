/**
 * Bad input, as users type it. Every refusal must exit non-zero (2 for invalid input and usage,
 * 1 for a state that forbids the request), name the offending value on stderr without a stack
 * trace, and leave the stored data exactly as it was.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reportError } from '../../cli/errors.ts';
import { main } from '../../cli/main.ts';
import { ConflictError } from '../../versioning/errors.ts';
import { type CliResult, commitInfo, fileList, StrataCli } from '../harness/cli.ts';

const NO_STACK = /\n\s+at /;
const LONG_PATH = `/${'d/'.repeat(2100)}file.txt`;
const UNKNOWN_ID = '0123456789abcdef0123456789abcdef';

interface BadInput {
  readonly args: readonly string[];
  readonly code: 1 | 2;
  /** What stderr must say: the value and, where the domain says it, what is allowed. */
  readonly message: RegExp;
}

const cases: Record<string, BadInput> = {
  'an invalid repo name': {
    args: ['create', 'repo', 'bad name'],
    code: 2,
    message: /^strata: invalid repo name "bad name": use 1–63 letters, digits, '_' or '-'\n$/,
  },
  'an existing repo name': { args: ['create', 'repo', 'data'], code: 1, message: /^strata: .*\bdata\b.*\n$/ },
  'an invalid branch name': {
    args: ['create', 'branch', 'data@no.dots'],
    code: 2,
    message: /^strata: invalid branch name "no\.dots": use 1–63 letters/,
  },
  'a branch name that reads as a commit ID': {
    args: ['create', 'branch', `data@${UNKNOWN_ID}`],
    code: 2,
    message: /invalid reference|commit ID/,
  },
  'a path with ..': {
    args: ['put', 'file', 'data@master:/a/../b.txt', '-f', 'x.txt'],
    code: 2,
    message: /^strata: invalid path "\/a\/\.\.\/b\.txt": '\.\.' segments are not allowed/,
  },
  'an empty path': {
    args: ['put', 'file', 'data@master:', '-f', 'x.txt'],
    code: 2,
    message: /^strata: invalid file reference "data@master:": nothing after ':'/,
  },
  'a root path to delete': {
    args: ['delete', 'file', 'data@master:/'],
    code: 2,
    message: /^strata: invalid path "\/": a file path may not be empty or '\/'\n$/,
  },
  'a path over 4,096 bytes': {
    args: ['put', 'file', `data@master:${LONG_PATH}`, '-f', 'x.txt'],
    code: 2,
    message: /^strata: invalid path "\/d\/d\/.*…": paths are at most 4096 bytes\n$/,
  },
  'a missing local file': {
    args: ['put', 'file', 'data@master', '-f', 'missing.txt'],
    code: 1,
    message: /^strata: local file "missing\.txt" does not exist; nothing was written\n$/,
  },
  'a missing local file among existing ones': {
    args: ['put', 'file', 'data@master:/more', '-f', 'x.txt', '-f', 'gone.txt', '-f', 'y.txt'],
    code: 1,
    message: /^strata: local file "gone\.txt" does not exist; nothing was written\n$/,
  },
  'a local directory without -r': {
    args: ['put', 'file', 'data@master', '-f', 'dir'],
    code: 2,
    message: /^strata: "dir" is a directory: add -r/,
  },
  'standard input without a path': {
    args: ['put', 'file', 'data@master', '-f', '-'],
    code: 2,
    message: /^strata: standard input needs a file path/,
  },
  'an unknown branch': { args: ['inspect', 'commit', 'data@nosuch'], code: 1, message: /data@nosuch/ },
  'an unknown commit ID': {
    args: ['list', 'file', `data@${UNKNOWN_ID}`],
    code: 1,
    message: new RegExp(UNKNOWN_ID),
  },
  'an unknown repo': { args: ['list', 'file', 'nosuch@master'], code: 1, message: /nosuch/ },
  'an unknown file': { args: ['get', 'file', 'data@master:/nope.txt'], code: 1, message: /\/nope\.txt/ },
  'an ancestor that does not exist': {
    args: ['inspect', 'commit', 'data@master^9'],
    code: 1,
    message: /master\^9/,
  },
  'an unknown command': { args: ['frobnicate'], code: 2, message: /^strata: unknown command 'frobnicate'/ },
  'an unknown noun': { args: ['create', 'pipline'], code: 2, message: /^strata: unknown command 'pipline'/ },
  'an unknown flag': {
    args: ['list', 'repo', '--bogus'],
    code: 2,
    message: /^strata: unknown option '--bogus'/,
  },
  'a missing argument': {
    args: ['create', 'repo'],
    code: 2,
    message: /^strata: missing required argument 'name'/,
  },
  'a missing -f': {
    args: ['put', 'file', 'data@master'],
    code: 2,
    message: /^strata: required option '-f, --file <local>' not specified/,
  },
  'too many arguments': {
    args: ['inspect', 'repo', 'data', 'extra'],
    code: 2,
    message: /^strata: too many arguments/,
  },
  'a limit that is not a number': {
    args: ['list', 'commit', 'data', '-n', 'ten'],
    code: 2,
    message: /argument 'ten' is invalid\. expected a whole number of at least 1/,
  },
  'a verb without a noun': { args: ['create'], code: 2, message: /Usage: strata create/ },
};

describe('strata refuses bad input and changes nothing', () => {
  let cli: StrataCli;
  let before: string;
  let finished: string;

  beforeAll(async () => {
    cli = await StrataCli.create();
    await mkdir(cli.path('dir'));
    await Promise.all([writeFile(cli.path('x.txt'), 'x\n'), writeFile(cli.path('y.txt'), 'y\n')]);
    await cli.ok(['create', 'repo', 'data']);
    await cli.ok(['put', 'file', 'data@master:/x.txt', '-f', 'x.txt']);
    finished = (await cli.json(commitInfo, ['inspect', 'commit', 'data@master'])).id;
    before = await cli.snapshot('data');
  });

  afterAll(() => cli.dispose());

  it.concurrent.for(Object.entries(cases))('refuses %s', async ([, bad], { expect }) => {
    const result: CliResult = await cli.run(bad.args);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: bad.code, stdout: '' });
    expect(result.stderr).toMatch(bad.message);
    expect(result.stderr).not.toMatch(NO_STACK);
  });

  it('left the stored data exactly as it was after all of the above', async () => {
    expect(await cli.snapshot('data')).toBe(before);
  });

  it('refuses to write to a finished commit by ID, and to finish it again', async () => {
    const write = await cli.run(['put', 'file', `data@${finished}:/y.txt`, '-f', 'y.txt']);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(new RegExp(`^strata: .*${finished}.*\\n$`));
    const finish = await cli.run(['finish', 'commit', `data@${finished}`]);
    expect(finish.code).toBe(1);
    expect(finish.stderr).toMatch(new RegExp(`^strata: .*${finished}.*\\n$`));
    expect(await cli.snapshot('data')).toBe(before);
  });

  it('refuses to finish an open commit twice', async () => {
    const id = (await cli.ok(['start', 'commit', 'data@master'])).stdout.trim();
    await cli.ok(['finish', 'commit', `data@${id}`]);
    const files = await cli.json(fileList, ['list', 'file', 'data@master']);
    const again = await cli.run(['finish', 'commit', `data@${id}`]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^strata: .*${id}.*\\n$`));
    expect(again.stderr).not.toMatch(NO_STACK);
    expect(await cli.json(fileList, ['list', 'file', 'data@master'])).toEqual(files);
  });

  it('reports an unusable STRATA_HOME without a stack trace', async () => {
    const result = await cli.run(['list', 'repo'], { env: { STRATA_HOME: cli.path('x.txt') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `strata: STRATA_HOME ${JSON.stringify(cli.path('x.txt'))} is not a directory: point it at a folder, or unset it to use ./.strata\n`,
    );
    expect(result.stderr).not.toMatch(NO_STACK);
  });

  it('refuses a path holding NUL (argv cannot carry NUL, so this runs the CLI in-process)', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await main(['list', 'file', 'data@master:/a\0b']);
      expect(code).toBe(2);
      expect(stderr).toHaveBeenCalledWith('strata: invalid path "/a\\u0000b": paths may not contain NUL\n');
    } finally {
      stderr.mockRestore();
    }
  });

  it('prints a stack trace for an unexpected error only with STRATA_DEBUG=1, never for a domain error', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const printed = () => stderr.mock.calls.map(([text]) => String(text)).join('');
    try {
      expect(reportError(new TypeError('boom'), false)).toBe(1);
      expect(printed()).toBe(
        'strata: unexpected error: boom\nstrata: this is a bug; run again with STRATA_DEBUG=1 for the stack trace and report it\n',
      );
      stderr.mockClear();
      expect(reportError(new TypeError('boom'), true)).toBe(1);
      expect(printed()).toMatch(/^strata: unexpected error: boom\nTypeError: boom\n\s+at /);
      stderr.mockClear();
      expect(reportError(new ConflictError('branch r@b moved on'), true)).toBe(1);
      expect(printed()).toBe('strata: branch r@b moved on\n');
    } finally {
      stderr.mockRestore();
    }
  });
});
