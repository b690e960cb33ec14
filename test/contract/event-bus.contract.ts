/** The EventBus port's behaviour, run against every adapter. */
import { describe, expect, it } from 'vitest';
import type { EventBus, StrataEvent } from '../../versioning/events.ts';
import { parseBranchName, parseCommitId, parseCommitSetId, parseRepoName } from '../../versioning/ids.ts';

export interface EventBusFixture {
  readonly bus: EventBus;
  /** Waits until every event published so far has reached every handler. */
  settle(): Promise<void>;
  cleanup(): Promise<void>;
}

const event = (n: number): StrataEvent => ({
  type: 'CommitFinished',
  repo: parseRepoName('images'),
  branch: parseBranchName('master'),
  commit: parseCommitId(n.toString(16).padStart(32, '0')),
  commitSet: parseCommitSetId(n.toString(16).padStart(32, '0')),
  error: null,
});

export function describeEventBusContract(name: string, makeBus: () => Promise<EventBusFixture>): void {
  describe(`EventBus contract: ${name}`, () => {
    it('delivers every published event to every subscriber', async () => {
      const { bus, settle, cleanup } = await makeBus();
      const seen: string[] = [];
      bus.subscribe(async (e) => {
        seen.push(`a:${e.commit}`);
      });
      bus.subscribe(async (e) => {
        seen.push(`b:${e.commit}`);
      });

      await bus.publish(event(1));
      await bus.publish(event(2));
      await settle();

      expect(seen.sort()).toEqual([
        `a:${event(1).commit}`,
        `a:${event(2).commit}`,
        `b:${event(1).commit}`,
        `b:${event(2).commit}`,
      ]);
      await cleanup();
    });

    it('stops delivering to a handler once it unsubscribed', async () => {
      const { bus, settle, cleanup } = await makeBus();
      const seen: StrataEvent[] = [];
      const unsubscribe = bus.subscribe(async (e) => {
        seen.push(e);
      });

      await bus.publish(event(1));
      await settle();
      unsubscribe();
      await bus.publish(event(2));
      await settle();

      expect(seen).toEqual([event(1)]);
      await cleanup();
    });

    it('keeps delivering to others when one handler throws', async () => {
      const { bus, settle, cleanup } = await makeBus();
      const seen: StrataEvent[] = [];
      bus.subscribe(async () => {
        throw new Error('handler bug');
      });
      bus.subscribe(async (e) => {
        seen.push(e);
      });

      await bus.publish(event(3));
      await settle();

      expect(seen).toEqual([event(3)]);
      await cleanup();
    });

    it('delivers events published by a handler', async () => {
      const { bus, settle, cleanup } = await makeBus();
      const seen: number[] = [];
      bus.subscribe(async (e) => {
        const n = Number.parseInt(e.commit, 16);
        seen.push(n);
        if (n < 3) await bus.publish(event(n + 1));
      });

      await bus.publish(event(1));
      await settle();

      expect(seen).toEqual([1, 2, 3]);
      await cleanup();
    });
  });
}
