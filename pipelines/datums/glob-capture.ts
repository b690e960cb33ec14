/**
 * Pachyderm globs compiled to regular expressions, for what FileIndex.glob does not give: the
 * text a glob's parenthesised groups capture (`/(*)-(*).txt` with `join_on: "$1"`), and a test
 * of one path against a glob without reading a tree (incremental planning asks "which glob match
 * holds this changed file?").
 *
 * The language is FileIndex.glob's (versioning/tree/tree-glob.ts), so both agree on what matches:
 * - the pattern is absolute ('data/*' is '/data/*'); '/' alone matches the root and nothing else,
 *   and no other pattern matches the root; empty segments are dropped;
 * - `*` is any run of characters within a segment, `?` one character, `[abc]`, `[a-z]`, `[^a]`
 *   a character class, `{a,b}` alternatives (which may hold '/'), `\x` the character x;
 * - a `**` segment spans directories: zero or more when it follows another segment
 *   ('/a/**' matches '/a' and everything under it; '/a/**\/b' matches '/a/b'), one or more as
 *   the first of several segments ('/**\/b' does not match '/b'); `**` inside a segment
 *   ('/data/**.csv') is any run of characters, '/' included;
 * - `(…)` is a capture group, numbered by its opening parenthesis from 1, with `|` between
 *   alternatives inside it; groups stay within one segment.
 *
 * Where FileIndex.glob (picomatch underneath) reads a pattern differently, `divergence` says so
 * and callers that need both to agree must not rely on the regular expression: `[!a]` (a negated
 * class in Pachyderm, the characters '!' and 'a' in picomatch 4), a `|` outside parentheses
 * (alternation in picomatch), extglobs such as `+(a)` or `@(a|b)`, braces without a comma, and
 * `**` inside a segment that also holds brackets, braces or parentheses.
 */
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { splitGlobSegments } from '../../versioning/tree/index.ts';

export interface CaptureGlob {
  readonly pattern: string;
  /** Anchored; group N is the pattern's Nth parenthesised group. */
  readonly regex: RegExp;
  readonly groupCount: number;
  /** True for '/' (and ''): the pattern matches the root directory and nothing else. */
  readonly rootOnly: boolean;
  /**
   * What every match's path starts with: the pattern's leading literal segments ('/data/*' →
   * '/data'), '' when the first segment has glob characters.
   */
  readonly literalPrefix: string;
  /** Why this pattern may match differently from FileIndex.glob; undefined when it does not. */
  readonly divergence: string | undefined;
}

/** At most this many `**` inside one segment, as FileIndex.glob allows. */
const MAX_INNER_GLOBSTARS = 4;
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;
const EXTGLOB_PREFIXES = '@!+*?';
/** Characters that make a segment more than a literal name, as FileIndex.glob counts them. */
const GLOB_CHARACTERS = /[*?[\]{}()!+@\\]/;

export function compileCaptureGlob(pattern: string): CaptureGlob {
  if (pattern.includes('\0')) {
    throw new InvalidArgumentError(`invalid glob ${JSON.stringify(pattern)}: patterns may not contain NUL`);
  }
  const segments = splitGlobSegments(pattern);
  const translator = new SegmentTranslator(pattern);
  let source = '';
  if (segments.length === 0) source = '/';
  segments.forEach((segment, i) => {
    if (segment === '**') {
      // The first of several segments needs one directory at least (picomatch's reading).
      source += i === 0 && segments.length > 1 ? '/.+' : '(?:/.+)?';
    } else {
      source += `/${translator.segment(segment)}`;
    }
  });
  const literal: string[] = [];
  for (const segment of segments) {
    if (GLOB_CHARACTERS.test(segment)) break;
    literal.push(segment);
  }
  return {
    pattern,
    regex: new RegExp(`^${source}$`, 's'),
    groupCount: translator.groups,
    rootOnly: segments.length === 0,
    literalPrefix: literal.length === 0 ? '' : `/${literal.join('/')}`,
    divergence: translator.divergences[0],
  };
}

/** Whether `path` (a file or directory path, '/' for the root) matches the glob. */
export function globMatches(glob: CaptureGlob, path: string): boolean {
  return glob.regex.test(path);
}

/** The texts of the glob's groups for `path` ('' for a group that took no part), or undefined. */
export function captureGroups(glob: CaptureGlob, path: string): string[] | undefined {
  const match = glob.regex.exec(path);
  if (match === null) return undefined;
  return match.slice(1).map((text) => text ?? '');
}

/**
 * Expands `$N` and `${N}` in a join_on / group_by template with the captured groups; `$$` is a
 * literal '$'. `$0` is the whole matched path. A reference to a group the glob lacks is an error.
 */
export function expandCaptures(template: string, path: string, groups: readonly string[]): string {
  return template.replace(/\$(?:\$|\{(\d+)\}|(\d+))/g, (token, braced?: string, bare?: string) => {
    if (token === '$$') return '$';
    const n = Number(braced ?? bare);
    if (n === 0) return path;
    const text = groups[n - 1];
    if (text === undefined) {
      throw new InvalidArgumentError(
        `template ${JSON.stringify(template)} refers to group ${n}, but its glob has ${groups.length} group(s): number the groups from $1 to $${groups.length}, or add parentheses to the glob`,
      );
    }
    return text;
  });
}

/** The group numbers a template refers to (for checking a spec before any tree is read). */
export function templateGroups(template: string): number[] {
  const numbers: number[] = [];
  for (const match of template.matchAll(/\$(?:\$|\{(\d+)\}|(\d+))/g)) {
    const digits = match[1] ?? match[2];
    if (digits !== undefined) numbers.push(Number(digits));
  }
  return numbers;
}

/** Translates one segment at a time; keeps the group count and divergences across segments. */
class SegmentTranslator {
  groups = 0;
  readonly divergences: string[] = [];
  readonly #pattern: string;
  #text = '';
  #pos = 0;

  constructor(pattern: string) {
    this.#pattern = pattern;
  }

  segment(text: string): string {
    this.#text = text;
    this.#pos = 0;
    const inner = text.split('**').length - 1;
    if (inner > MAX_INNER_GLOBSTARS) {
      throw new InvalidArgumentError(
        `glob ${JSON.stringify(this.#pattern)} has more than ${MAX_INNER_GLOBSTARS} '**' inside one segment: split the pattern`,
      );
    }
    if (inner > 0 && /[[\]{}()]/.test(text)) {
      this.#diverge(`'**' inside the segment ${JSON.stringify(text)} beside brackets, braces or parentheses`);
    }
    return this.#sequence('segment');
  }

  /** Reads until the end of the segment, or the ')' / '|' / '}' / ',' that ends `context`. */
  #sequence(context: 'segment' | 'group' | 'brace'): string {
    let out = '';
    while (this.#pos < this.#text.length) {
      const c = this.#text[this.#pos]!;
      if (context === 'group' && (c === ')' || c === '|')) return out;
      if (context === 'brace' && (c === '}' || c === ',')) return out;
      this.#pos++;
      const next = this.#text[this.#pos];
      if (next === '(' && EXTGLOB_PREFIXES.includes(c)) {
        this.#diverge(`the extglob ${JSON.stringify(`${c}(`)}`);
      }
      switch (c) {
        case '\\':
          out += next === undefined ? '\\\\' : escapeRegex(next);
          if (next !== undefined) this.#pos++;
          break;
        case '*':
          if (next === '*') {
            while (this.#text[this.#pos] === '*') this.#pos++;
            out += '.*';
          } else {
            out += '[^/]*';
          }
          break;
        case '?':
          out += '[^/]';
          break;
        case '[':
          out += this.#characterClass();
          break;
        case '{':
          out += this.#braces();
          break;
        case '(':
          out += this.#group();
          break;
        case '|':
          this.#diverge("a '|' outside parentheses");
          out += '\\|';
          break;
        default:
          out += escapeRegex(c);
      }
    }
    if (context !== 'segment') {
      throw new InvalidArgumentError(
        `invalid glob ${JSON.stringify(this.#pattern)}: ${context === 'group' ? "'(' without a matching ')'" : "'{' without a matching '}'"} in ${JSON.stringify(this.#text)}; groups and braces must close within one segment`,
      );
    }
    return out;
  }

  /** After '(': a numbered capture group whose alternatives are separated by '|'. */
  #group(): string {
    this.groups++;
    const alternatives = [this.#sequence('group')];
    while (this.#text[this.#pos] === '|') {
      this.#pos++;
      alternatives.push(this.#sequence('group'));
    }
    this.#pos++; // the ')'
    return `(${alternatives.join('|')})`;
  }

  /** After '{': alternatives separated by ','; a brace without a comma is literal text. */
  #braces(): string {
    const start = this.#pos;
    const alternatives = [this.#sequence('brace')];
    while (this.#text[this.#pos] === ',') {
      this.#pos++;
      alternatives.push(this.#sequence('brace'));
    }
    this.#pos++; // the '}'
    if (alternatives.length === 1) {
      this.#diverge(`braces without a comma, ${JSON.stringify(this.#text.slice(start - 1, this.#pos))}`);
      return `\\{${alternatives[0]}\\}`;
    }
    return `(?:${alternatives.join('|')})`;
  }

  /** After '[': a character class up to the next ']' (a ']' first in the class is literal). */
  #characterClass(): string {
    let pos = this.#pos;
    let negated = false;
    if (this.#text[pos] === '!' || this.#text[pos] === '^') {
      if (this.#text[pos] === '!') this.#diverge("a '[!…]' class");
      negated = true;
      pos++;
    }
    let body = '';
    let first = true;
    for (; pos < this.#text.length; pos++) {
      const c = this.#text[pos]!;
      if (c === ']' && !first) break;
      first = false;
      if (c === '\\' && pos + 1 < this.#text.length) {
        body += `\\${this.#text[++pos]}`;
      } else {
        body += c === '-' ? '-' : c.replace(/[\\\]^[]/g, '\\$&');
      }
    }
    if (pos >= this.#text.length) return '\\['; // no closing ']': a literal '['
    this.#pos = pos + 1;
    return negated ? `[^/${body}]` : `[${body}]`;
  }

  #diverge(what: string): void {
    this.divergences.push(
      `glob ${JSON.stringify(this.#pattern)} uses ${what}, which FileIndex.glob reads differently`,
    );
  }
}

function escapeRegex(c: string): string {
  return c.replace(REGEX_SPECIAL, '\\$&');
}
