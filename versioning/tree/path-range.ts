/**
 * Directories as ranges of the entry order. Every path under D starts with D + '/', and '0'
 * follows '/', so they are exactly the paths in [D + '/', D + '0'), one contiguous run of entries
 * — though not the run right after the file D: `D-x` and `D.txt` sort between them.
 */

/** The range of every path under `dir` ('/' for the whole tree): [start, end). */
export function dirRange(dir: string): { start: string; end: string } {
  const start = dir === '/' ? '/' : `${dir}/`;
  return { start, end: `${start.slice(0, -1)}0` };
}
