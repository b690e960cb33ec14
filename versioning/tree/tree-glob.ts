/**
 * Pachyderm glob patterns over a tree: `*`, `?`, `[…]` and `{a,b}` within a segment, `**` across
 * segments, absolute patterns ('/' is the root). A pattern matches files and the directories
 * their paths imply (`/*` gives the top-level files and directories), each once, in entry order
 * (a directory sorts as `path + '/'`). Dotfiles match like any other name. The pattern '/' gives
 * the root directory; no other pattern matches the root.
 *
 * `**` inside a segment (`/data/**.csv`) crosses directories as in Pachyderm, where it stands for
 * any run of characters; a `**` segment matches zero or more directories.
 *
 * The walk stays under the pattern's literal prefix, and the segments before the first `**` are
 * matched one directory at a time: a directory whose name fails its segment is skipped whole with
 * a seek. A pattern without `**` matches at one depth only, so the walk never goes deeper than
 * that depth either: `/*` reads O(depth) nodes per top-level item.
 */
import picomatch from 'picomatch';
import { InvalidArgumentError } from '../errors.ts';
import type { ObjectHash } from '../ids.ts';
import type { NodeStore } from './node-store.ts';
import { dirRange } from './path-range.ts';
import { type Totals, TreeCursor } from './tree-cursor.ts';
import { derivedPath, directoryTotals, getEntry, statPath } from './tree-reader.ts';
import type { TreeItem } from './types.ts';

/** `nonegate`: a leading '!' is a literal character, in a whole pattern or a single segment. */
const MATCH_OPTIONS = { dot: true, nonegate: true } as const;
const GLOB_CHARACTERS = /[*?[\]{}()!+@\\]/;
const MAX_INNER_GLOBSTARS = 4;

type Matcher = (text: string) => boolean;

interface CompiledGlob {
  /** Leading literal segments: the walk stays under the directory they name. */
  readonly literalDepth: number;
  /** One matcher per segment, up to the first segment that can cross a '/'. */
  readonly segmentMatchers: readonly Matcher[];
  /** True when every segment is in `segmentMatchers`: matches are exactly that many segments deep. */
  readonly fixedDepth: boolean;
  readonly matches: Matcher;
  readonly segments: readonly string[];
}

export async function* globTree(
  nodes: NodeStore,
  root: ObjectHash,
  pattern: string,
): AsyncGenerator<TreeItem> {
  const glob = compileGlob(pattern);
  if (glob.segments.length === 0) {
    const item = await statPath(nodes, root, derivedPath('/'));
    if (item !== undefined) yield item;
    return;
  }
  if (glob.literalDepth === glob.segments.length) {
    yield* literalMatches(nodes, root, glob.segments);
    return;
  }
  const base = glob.literalDepth === 0 ? '/' : `/${glob.segments.slice(0, glob.literalDepth).join('/')}`;
  if (base !== '/' && glob.matches(base)) {
    // '/a/**' matches '/a' itself: the file of that name sorts before everything under it.
    const entry = await getEntry(nodes, root, derivedPath(base));
    if (entry !== undefined) yield { type: 'file', path: entry.path, entry };
  }
  const { start: inside } = dirRange(base);
  const depth = glob.segments.length;
  // A pattern of any depth reads every leaf under its base once: a scan, not worth caching.
  const cursor = await TreeCursor.open(nodes, root, { keepLeaves: glob.fixedDepth });
  await cursor.seek(inside);
  let openDirs: string[] = [];
  while (!cursor.done && cursor.first.startsWith(inside)) {
    // Segments of the first path of the item, checked against their matchers.
    const first = cursor.first;
    const names = first.slice(1).split('/');
    const failing = firstFailingSegment(glob, names);
    if (failing !== undefined && failing < names.length - 1) {
      await cursor.seek(dirRange(`/${names.slice(0, failing + 1).join('/')}`).end);
      continue;
    }
    if (glob.fixedDepth && failing === undefined && names.length > depth) {
      // A directory at the pattern's depth matches: report it and skip what lies inside.
      const path = derivedPath(`/${names.slice(0, depth).join('/')}`);
      const totals: Totals = { fileCount: 0, totalBytes: 0 };
      await cursor.seek(dirRange(path).end, totals);
      yield { type: 'dir', path, ...totals };
      continue;
    }
    if (!cursor.atEntry) {
      await cursor.descend();
      continue;
    }
    const matches = failing === undefined && (glob.fixedDepth ? names.length === depth : glob.matches(first));
    const entry = matches ? cursor.entry() : undefined;
    cursor.next();
    if (failing !== undefined) continue;
    if (glob.fixedDepth) {
      if (entry !== undefined) yield { type: 'file', path: entry.path, entry };
      continue;
    }
    // Any depth: report the directories this entry opens, then the entry itself.
    const dirs = ancestorsOf(first);
    let shared = 0;
    while (shared < openDirs.length && shared < dirs.length && openDirs[shared] === dirs[shared]) shared++;
    for (const dir of dirs.slice(Math.max(shared, glob.literalDepth - 1, 0))) {
      if (!glob.matches(dir)) continue;
      const path = derivedPath(dir);
      const totals = await directoryTotals(nodes, root, path);
      if (totals !== undefined) yield { type: 'dir', path, ...totals };
    }
    openDirs = dirs;
    if (entry !== undefined) yield { type: 'file', path: entry.path, entry };
  }
}

/** A pattern with no glob characters: the file and/or the directory of that name. */
async function* literalMatches(
  nodes: NodeStore,
  root: ObjectHash,
  segments: readonly string[],
): AsyncGenerator<TreeItem> {
  const path = derivedPath(`/${segments.join('/')}`);
  const entry = await getEntry(nodes, root, path);
  if (entry !== undefined) yield { type: 'file', path, entry };
  const totals = await directoryTotals(nodes, root, path);
  if (totals !== undefined) yield { type: 'dir', path, ...totals };
}

/** The index of the first segment (among those matched one by one) whose name fails. */
function firstFailingSegment(glob: CompiledGlob, names: readonly string[]): number | undefined {
  const checked = Math.min(glob.segmentMatchers.length, names.length);
  for (let i = glob.literalDepth; i < checked; i++) {
    if (!glob.segmentMatchers[i]!(names[i]!)) return i;
  }
  return undefined;
}

/** '/a/b/c' → ['/a', '/a/b']. */
function ancestorsOf(path: string): string[] {
  const dirs: string[] = [];
  for (let slash = path.indexOf('/', 1); slash >= 0; slash = path.indexOf('/', slash + 1)) {
    dirs.push(path.slice(0, slash));
  }
  return dirs;
}

export function compileGlob(pattern: string): CompiledGlob {
  if (pattern.includes('\0')) {
    throw new InvalidArgumentError(`invalid glob ${JSON.stringify(pattern)}: patterns may not contain NUL`);
  }
  const segments = splitGlobSegments(pattern);
  let literalDepth = 0;
  while (literalDepth < segments.length && !GLOB_CHARACTERS.test(segments[literalDepth]!)) literalDepth++;
  const segmentMatchers: Matcher[] = [];
  let matches: Matcher;
  try {
    // A segment holding '/' (inside braces) or '**' can cross directories: stop there.
    for (const segment of segments) {
      if (segment.includes('**') || segment.includes('/')) break;
      segmentMatchers.push(
        GLOB_CHARACTERS.test(segment) ? picomatch(segment, MATCH_OPTIONS) : (name) => name === segment,
      );
    }
    matches = picomatch(`/${segments.map(crossingSegment(pattern)).join('/')}`, MATCH_OPTIONS);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw new InvalidArgumentError(`invalid glob ${JSON.stringify(pattern)}: ${String(error)}`, {
      cause: error,
    });
  }
  return {
    literalDepth,
    segmentMatchers,
    fixedDepth: segmentMatchers.length === segments.length,
    matches,
    segments,
  };
}

/**
 * Splits at the '/'s outside brackets and braces, dropping empty segments, so '{a/b,c}' stays
 * one segment (one that can cross a '/').
 */
export function splitGlobSegments(pattern: string): string[] {
  const segments: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      current += c + pattern[++i];
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && depth > 0) depth--;
    if (c === '/' && depth === 0) {
      if (current !== '') segments.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (current !== '') segments.push(current);
  return segments;
}

/**
 * Rewrites `**` inside a segment (Pachyderm: any characters, '/' included) for picomatch, where
 * only a whole `**` segment crosses directories: 'x**y' becomes '{x*y,x*\/**\/*y}'.
 */
function crossingSegment(pattern: string): (segment: string) => string {
  return (segment) => {
    if (segment === '**' || !segment.includes('**')) return segment;
    const parts = segment.split('**');
    if (parts.length - 1 > MAX_INNER_GLOBSTARS) {
      throw new InvalidArgumentError(
        `glob ${JSON.stringify(pattern)} has more than ${MAX_INNER_GLOBSTARS} '**' inside one segment: split the pattern`,
      );
    }
    let alternatives = [parts[0]!];
    for (const part of parts.slice(1)) {
      alternatives = alternatives.flatMap((head) => [`${head}*${part}`, `${head}*/**/*${part}`]);
    }
    return `{${alternatives.join(',')}}`;
  };
}
