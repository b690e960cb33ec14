/**
 * The in-process event bus: handlers run on the same event loop, after `publish` returns. It
 * tracks the handlers it started, so a CLI command can wait with `idle()` until every piece of
 * work its writes caused (pipeline jobs, and the jobs their outputs cause) has settled.
 */
import type { EventBus, EventHandler, StrataEvent } from '../../versioning/events.ts';

export class InProcessEventBus implements EventBus {
  readonly #handlers = new Set<EventHandler>();
  readonly #pending = new Set<Promise<void>>();
  readonly #errors: unknown[] = [];

  async publish(event: StrataEvent): Promise<void> {
    for (const handler of this.#handlers) {
      const run = Promise.resolve()
        .then(() => handler(event))
        .catch((error: unknown) => {
          this.#errors.push(error);
        })
        .finally(() => this.#pending.delete(run));
      this.#pending.add(run);
    }
  }

  subscribe(handler: EventHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Resolves once no handler is running, including handlers started by handlers. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Errors handlers threw (a handler must record its own failures; these are bugs). */
  takeErrors(): unknown[] {
    return this.#errors.splice(0);
  }
}
