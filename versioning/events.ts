/**
 * Events the domain publishes, and the port they travel on. Delivery is at-least-once and
 * unordered across publishers (EventBridge's guarantees), so every consumer must be idempotent:
 * the pipeline dispatcher keys jobs on pipeline + global ID and ignores a re-delivered event.
 */
import type { BranchName, CommitId, CommitSetId, RepoName } from './ids.ts';

/** A commit was finished (or finished with an error): what fires pipelines downstream. */
export interface CommitFinished {
  readonly type: 'CommitFinished';
  readonly repo: RepoName;
  /** The branch the commit was started on (its head when it finished). */
  readonly branch: BranchName | null;
  readonly commit: CommitId;
  readonly commitSet: CommitSetId;
  /** Set when the commit was finished with an error (a failed job's output). */
  readonly error: string | null;
}

export type StrataEvent = CommitFinished;

export type EventHandler = (event: StrataEvent) => Promise<void>;

export interface EventBus {
  /** Hands the event to the bus; resolves once the bus has accepted it (not when handled). */
  publish(event: StrataEvent): Promise<void>;
  /** Registers a handler for every event published from now on; returns an unsubscribe. */
  subscribe(handler: EventHandler): () => void;
}
