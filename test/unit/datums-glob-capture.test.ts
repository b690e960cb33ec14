import { describe, expect, it } from 'vitest';
import {
  captureGroups,
  compileCaptureGlob,
  expandCaptures,
  globMatches,
} from '../../pipelines/datums/index.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { collect, TestRepos } from './datums-fixtures.ts';

describe('compileCaptureGlob: capture groups', () => {
  it.each([
    ['/(*).txt', '/apple.txt', ['apple']],
    ['/(*)-(*).txt', '/store1-2024.txt', ['store1', '2024']],
    ['/*/(*)/(*).csv', '/x/y/z.csv', ['y', 'z']],
    ['/(a|b)*', '/bcd', ['b']],
    ['/((*)-(*))', '/p-q', ['p-q', 'p', 'q']],
    ['/(???)*', '/abcdef', ['abc']],
    ['/([0-9]*)-x', '/123-x', ['123']],
    ['/{data,logs}/(*)', '/logs/a', ['a']],
    ['data/(*)', '/data/a', ['a']],
    ['/(*)/**', '/dir/deeper/file', ['dir']],
    ['/(*)**.csv', '/a/b/c.csv', ['a']],
  ])('%s captures %s in %s', (pattern, path, groups) => {
    const glob = compileCaptureGlob(pattern);

    expect(captureGroups(glob, path)).toEqual(groups);
    expect(glob.groupCount).toBe(groups.length);
  });

  it('gives undefined for a path the glob does not match', () => {
    const glob = compileCaptureGlob('/(*)-(*).txt');

    expect(captureGroups(glob, '/store1.txt')).toBeUndefined();
    expect(captureGroups(glob, '/a-b/c.txt')).toBeUndefined();
  });

  it('gives an empty text for a group that took no part', () => {
    const glob = compileCaptureGlob('/{(x),y}');

    expect(captureGroups(glob, '/y')).toEqual(['']);
  });

  it('treats escaped characters and regex specials as literal text', () => {
    const glob = compileCaptureGlob('/\\(a\\)+.$^(*)');

    expect(glob.groupCount).toBe(1);
    expect(captureGroups(glob, '/(a)+.$^z')).toEqual(['z']);
    expect(globMatches(glob, '/aa+.$^z')).toBe(false);
  });

  it('rejects a group that does not close within its segment, naming the pattern', () => {
    expect(() => compileCaptureGlob('/(a/b)')).toThrow(InvalidArgumentError);
    expect(() => compileCaptureGlob('/(a/b)')).toThrow(/"\/\(a\/b\)"/);
  });
});

describe('compileCaptureGlob: matching', () => {
  it.each([
    ['/', '/', true],
    ['/', '/a', false],
    ['/*', '/a', true],
    ['/*', '/a/b', false],
    ['/a/**', '/a', true],
    ['/a/**', '/a/b/c', true],
    ['/a/**/b', '/a/b', true],
    ['/a/**/b', '/a/x/y/b', true],
    ['/**/b', '/b', false],
    ['/**/b', '/x/b', true],
    ['/**', '/', false],
    ['/data/**.csv', '/data/x/y.csv', true],
    ['/[^a]*', '/b', true],
    ['/[^a]*', '/a', false],
    ['/?', '/ab', false],
  ])('%s on %s: %s', (pattern, path, expected) => {
    expect(globMatches(compileCaptureGlob(pattern), path)).toBe(expected);
  });

  it('knows the literal prefix of its matches and whether it is the root pattern', () => {
    expect(compileCaptureGlob('/data/2024/*.csv').literalPrefix).toBe('/data/2024');
    expect(compileCaptureGlob('/*/x').literalPrefix).toBe('');
    expect(compileCaptureGlob('/').rootOnly).toBe(true);
    expect(compileCaptureGlob('/*').rootOnly).toBe(false);
  });

  it.each([
    ['/[!a]*', "'[!…]' class"],
    ['/x|y', "'|' outside parentheses"],
    ['/+(a)', 'extglob'],
    ['/{a}', 'braces without a comma'],
    ['/(*)**.txt', "'**' inside the segment"],
  ])('flags %s as read differently by FileIndex.glob', (pattern, what) => {
    expect(compileCaptureGlob(pattern).divergence).toContain(what);
  });

  it('flags nothing for the patterns Pachyderm pipelines use', () => {
    for (const pattern of [
      '/',
      '/*',
      '/*/*',
      '/**',
      '/(*).txt',
      '/(*)-(*).json',
      '/{a,b}/*',
      '/data/[0-9]?/*',
    ]) {
      expect(compileCaptureGlob(pattern).divergence).toBeUndefined();
    }
  });
});

describe('compileCaptureGlob agrees with FileIndex.glob', () => {
  const FILES = [
    '/.hidden',
    '/a/1.csv',
    '/a/2.txt',
    '/a-b.txt',
    '/abc',
    '/b/3.csv',
    '/b/deep/4.csv',
    '/b/deep/er/5.csv',
    '/c/5.csv',
    '/data/1.txt',
    '/data/10.txt',
    '/data/x.txt',
    '/data/y.csv',
    '/data/z/w.csv',
    '/p-q.json',
    '/top.csv',
    '/x/b',
  ];
  const PATTERNS = [
    '/',
    '/*',
    '/*/*',
    '/**',
    '/*/*.csv',
    '/{a,b}/*',
    '/data/?.txt',
    '/[ab]*',
    '/[^ab]*',
    '/data/**.csv',
    '/b/**',
    '/**/b',
    '/b/**/*.csv',
    '/**/*.csv',
    '/data',
    '/data/z/w.csv',
    '/nothing/*',
    'data/*.csv',
    '/(*)-(*).txt',
    '/(*).json',
    '/(*)/(*)',
    '/(a|b)/*',
    '/*/**/(*).csv',
  ];

  it.each(PATTERNS)('%s matches the same files and directories', async (pattern) => {
    const repos = new TestRepos({ leafFanout: 2, branchFanout: 2, minItems: 1 });
    const commit = await repos.commit(Object.fromEntries(FILES.map((path) => [path, path])));
    const glob = compileCaptureGlob(pattern);
    const items = [...new Set(FILES.flatMap((path) => [...ancestors(path), path]))];

    const fromIndex = (await collect(repos.index.glob(commit.root, pattern))).map((item) => item.path).sort();
    const fromRegex = items.filter((path) => (path === '/' ? glob.rootOnly : globMatches(glob, path))).sort();

    expect(fromRegex).toEqual(fromIndex);
  });
});

describe('expandCaptures', () => {
  it('expands $N, $\u007bN}, $0 and $$', () => {
    expect(expandCaptures('$1', '/a-b.txt', ['a', 'b'])).toBe('a');
    expect(expandCaptures('$2/$1', '/a-b.txt', ['a', 'b'])).toBe('b/a');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the ${N} form of a join_on template
    expect(expandCaptures('${1}0', '/a-b.txt', ['a', 'b'])).toBe('a0');
    expect(expandCaptures('$0', '/a-b.txt', ['a', 'b'])).toBe('/a-b.txt');
    expect(expandCaptures('$$1', '/a-b.txt', ['a', 'b'])).toBe('$1');
  });

  it('rejects a group the glob lacks, naming the template', () => {
    expect(() => expandCaptures('$3', '/a-b.txt', ['a', 'b'])).toThrow(/"\$3".*2 group/);
  });
});

function ancestors(path: string): string[] {
  const dirs = ['/'];
  for (let slash = path.indexOf('/', 1); slash >= 0; slash = path.indexOf('/', slash + 1)) {
    dirs.push(path.slice(0, slash));
  }
  return dirs;
}
