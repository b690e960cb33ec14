/**
 * Turns a batch of TreeChanges into edits at positions in the entry order, checking the batch's
 * rules on the way (sorted by path, one change per path, a put's entry at its own path).
 *
 * A `delete-dir` of D acts at two places: the file D itself, and the range of paths under
 * D + '/', which starts later in the order than D (after `D-x`, `D.txt`, …). So it becomes a
 * delete at D plus a range edit at D + '/' that deletes until D + '0' ('0' follows '/'), held
 * back until the changes before that position have gone by.
 */
import { InvalidArgumentError } from '../errors.ts';
import { dirRange } from './path-range.ts';
import type { FileEntry, TreeChange } from './types.ts';

export type Edit =
  | { readonly kind: 'put'; readonly position: string; readonly entry: FileEntry }
  | { readonly kind: 'delete'; readonly position: string }
  /** Deletes the base tree's entries in [position, end). */
  | { readonly kind: 'delete-range'; readonly position: string; readonly end: string };

async function* editsOf(changes: AsyncIterable<TreeChange> | Iterable<TreeChange>): AsyncGenerator<Edit> {
  const heldRanges: Edit[] = [];
  let previous: string | undefined;
  for await (const change of changes) {
    if (previous !== undefined && !(change.path > previous)) {
      throw new InvalidArgumentError(
        `tree changes must be sorted by path with one change per path: ${JSON.stringify(change.path)} came after ${JSON.stringify(previous)}`,
      );
    }
    previous = change.path;
    while (heldRanges.length > 0 && heldRanges[0]!.position < change.path) yield heldRanges.shift()!;
    switch (change.kind) {
      case 'put':
        if (change.entry.path !== change.path) {
          throw new InvalidArgumentError(
            `a put of ${JSON.stringify(change.path)} carries an entry for ${JSON.stringify(change.entry.path)}: they must be the same path`,
          );
        }
        yield { kind: 'put', position: change.path, entry: change.entry };
        break;
      case 'delete':
        yield { kind: 'delete', position: change.path };
        break;
      case 'delete-dir': {
        if (change.path !== '/') yield { kind: 'delete', position: change.path };
        const { start, end } = dirRange(change.path);
        const at = heldRanges.findIndex((held) => held.position > start);
        heldRanges.splice(at < 0 ? heldRanges.length : at, 0, { kind: 'delete-range', position: start, end });
        break;
      }
      default:
        throw new InvalidArgumentError(
          `unknown tree change ${JSON.stringify(change)}: use put, delete or delete-dir`,
        );
    }
  }
  yield* heldRanges;
}

/**
 * The edits in position order with one edit of look-ahead, and the deletion range in force.
 * Putting an edit "before" a position applies it to the writer: puts are appended, ranges start.
 */
export class EditStream {
  readonly #source: AsyncIterator<Edit>;
  #next: Edit | undefined;
  #loaded = false;
  /** Entries of the base tree before this path (and after the range's start) are deleted. */
  deleteUntil = '';

  constructor(changes: AsyncIterable<TreeChange> | Iterable<TreeChange>) {
    this.#source = editsOf(changes)[Symbol.asyncIterator]();
  }

  async peek(): Promise<Edit | undefined> {
    if (!this.#loaded) {
      const result = await this.#source.next();
      this.#next = result.done ? undefined : result.value;
      this.#loaded = true;
    }
    return this.#next;
  }

  take(): void {
    this.#loaded = false;
    this.#next = undefined;
  }

  /** Whether the base tree's entry at `path` falls in a deletion range already started. */
  deletes(path: string): boolean {
    return path < this.deleteUntil;
  }

  /**
   * Consumes every edit before `position` (or at it, when `inclusive`), handing puts to `put` in
   * order. Deletes are dropped: the caller has no base entry at their position.
   */
  async applyBefore(
    position: string | undefined,
    put: (entry: FileEntry) => Promise<void>,
    inclusive = false,
  ): Promise<void> {
    for (;;) {
      const edit = await this.peek();
      if (edit === undefined) return;
      if (position !== undefined && (inclusive ? edit.position > position : edit.position >= position))
        return;
      this.take();
      if (edit.kind === 'put') await put(edit.entry);
      else if (edit.kind === 'delete-range' && edit.end > this.deleteUntil) this.deleteUntil = edit.end;
    }
  }
}
