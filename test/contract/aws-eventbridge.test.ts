/**
 * EventBridgeEventBus with the real SDK client against a fake EventBridge endpoint
 * (test/harness/aws/fake-eventbridge.ts): no EventBridge emulator exists.
 *
 * The port's contract suite is about delivery, which on AWS belongs to EventBridge rules and their
 * targets, not to this bus (its `subscribe` throws). It runs here with delivery played by the fake
 * endpoint's rule targets, each reading its event with `parseEventBridgeEvent` as a Lambda target
 * does: what it checks of the adapter is that published events arrive whole, once each, including
 * events published from inside a handler while other calls are in flight.
 */
import { createServer } from 'node:net';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBridgeClient } from '../../adapters/aws/clients.ts';
import {
  EventBridgeEventBus,
  type EventBridgeEventBusProps,
  parseEventBridgeEvent,
} from '../../adapters/aws/eventbridge-event-bus.ts';
import { InvalidArgumentError, NotFoundError, UnavailableError } from '../../versioning/errors.ts';
import type { EventBus, StrataEvent } from '../../versioning/events.ts';
import { parseBranchName, parseCommitId, parseCommitSetId, parseRepoName } from '../../versioning/ids.ts';
import { FakeEventBridge } from '../harness/aws/fake-eventbridge.ts';
import { describeEventBusContract } from './event-bus.contract.ts';

const BUS = 'strata-test';

function clientFor(endpoint: string, maxAttempts = 3): EventBridgeClient {
  return createEventBridgeClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  });
}

const event = (n: number, overrides: Partial<StrataEvent> = {}): StrataEvent => ({
  type: 'CommitFinished',
  repo: parseRepoName('images'),
  branch: parseBranchName('master'),
  commit: parseCommitId(n.toString(16).padStart(32, '0')),
  commitSet: parseCommitSetId((n + 0x1000).toString(16).padStart(32, '0')),
  error: null,
  ...overrides,
});

/** The commit number an entry carries, read back from its Detail. */
const commitOf = (detail: string): number =>
  Number.parseInt(parseEventBridgeEvent(envelope(detail)).commit, 16);
const envelope = (detail: string) => ({
  'detail-type': 'CommitFinished',
  source: 'strata',
  detail: JSON.parse(detail),
});

describeEventBusContract("EventBridge PutEvents, delivered by the fake endpoint's rule targets", async () => {
  const fake = await FakeEventBridge.start();
  fake.createEventBus(BUS);
  const client = clientFor(fake.endpoint);
  const publisher = new EventBridgeEventBus({ client, eventBusName: BUS });
  const bus: EventBus = {
    publish: (e) => publisher.publish(e),
    subscribe: (handler) => fake.subscribe((raw) => handler(parseEventBridgeEvent(raw))),
  };
  return {
    bus,
    settle: () => fake.idle(),
    cleanup: async () => {
      await fake.close();
      client.destroy();
    },
  };
});

describe('EventBridgeEventBus', () => {
  let fake: FakeEventBridge;
  let client: EventBridgeClient;
  const busWith = (props: Partial<EventBridgeEventBusProps> = {}) =>
    new EventBridgeEventBus({ client, eventBusName: BUS, retryBaseDelayMs: 1, ...props });

  beforeEach(async () => {
    fake = await FakeEventBridge.start();
    fake.createEventBus(BUS);
    client = clientFor(fake.endpoint);
  });

  afterEach(async () => {
    await fake.close();
    client.destroy();
  });

  it('sends 25 concurrent publishes in calls of at most 10 entries and resolves them all', async () => {
    const bus = busWith();

    await Promise.all(Array.from({ length: 25 }, (_, n) => bus.publish(event(n))));

    const entries = fake.calls.flat();
    expect(fake.calls.map((call) => call.length).sort((a, b) => b - a)).toEqual([10, 10, 5]);
    expect(entries.map((entry) => commitOf(entry.Detail)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, n) => n),
    );
    expect(
      new Set(entries.map((entry) => `${entry.EventBusName}|${entry.Source}|${entry.DetailType}`)),
    ).toEqual(new Set([`${BUS}|strata|CommitFinished`]));
  });

  it('sends a publish made while every call is in flight in the next call, with the others waiting', async () => {
    const bus = busWith({ maxCallsInFlight: 1 });

    const first = bus.publish(event(0));
    await new Promise((resolve) => setImmediate(resolve)); // the first call is now in flight
    const later = Array.from({ length: 5 }, (_, n) => bus.publish(event(n + 1)));
    await Promise.all([first, ...later]);

    expect(fake.calls.map((call) => call.map((entry) => commitOf(entry.Detail)))).toEqual([
      [0],
      [1, 2, 3, 4, 5],
    ]);
  });

  it('resends only the entries EventBridge throttled, and resolves every publish', async () => {
    // Arrange: odd commits are throttled on their first attempt.
    fake.failEntries((entry, attempt) =>
      attempt === 1 && commitOf(entry.Detail) % 2 === 1
        ? { code: 'ThrottlingException', message: 'Rate exceeded' }
        : undefined,
    );
    const bus = busWith();

    // Act
    await Promise.all(Array.from({ length: 8 }, (_, n) => bus.publish(event(n))));

    // Assert: the first call carried all 8; later calls only the 4 throttled ones, once each.
    const [firstCall, ...resends] = fake.calls.map((call) => call.map((entry) => commitOf(entry.Detail)));
    expect(firstCall).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(resends.flat().sort()).toEqual([1, 3, 5, 7]);
  });

  it('is idle only once every publish was accepted, retries of throttled entries included', async () => {
    fake.failEntries((_entry, attempt) =>
      attempt === 1 ? { code: 'ThrottlingException', message: 'Rate exceeded' } : undefined,
    );
    const bus = busWith();
    const published = bus.publish(event(1));

    await bus.idle();

    expect(fake.calls.map((call) => call.map((entry) => commitOf(entry.Detail)))).toEqual([[1], [1]]);
    await expect(published).resolves.toBeUndefined();
  });

  it('rejects a publish whose entry stays throttled with UnavailableError naming the bus and code, and resolves the others', async () => {
    fake.failEntries((entry) =>
      commitOf(entry.Detail) === 2 ? { code: 'ThrottlingException', message: 'Rate exceeded' } : undefined,
    );
    const bus = busWith({ maxEntryAttempts: 3 });

    const results = await Promise.allSettled([0, 1, 2, 3].map((n) => bus.publish(event(n))));

    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const failure = results[2]?.status === 'rejected' ? results[2].reason : undefined;
    expect(failure).toBeInstanceOf(UnavailableError);
    expect(String(failure)).toContain(`"${BUS}"`);
    expect(String(failure)).toContain('ThrottlingException');
    expect(fake.calls.flat().filter((entry) => commitOf(entry.Detail) === 2)).toHaveLength(3);
    expect(fake.calls.flat()).toHaveLength(6);
  });

  it('rejects an entry EventBridge finds malformed with InvalidArgumentError, without resending it', async () => {
    fake.failEntries(() => ({ code: 'MalformedDetail', message: 'Detail is malformed.' }));
    const bus = busWith();

    const publishing = bus.publish(event(1));

    await expect(publishing).rejects.toThrow(InvalidArgumentError);
    await expect(publishing).rejects.toThrow(/MalformedDetail/);
    expect(fake.calls).toHaveLength(1);
  });

  it('rejects an event too large for one PutEvents entry before sending it', async () => {
    const bus = busWith();

    const publishing = bus.publish(event(1, { error: 'x'.repeat(300 * 1024) }));

    await expect(publishing).rejects.toThrow(InvalidArgumentError);
    await expect(publishing).rejects.toThrow(/at most 262144/);
    expect(fake.calls).toHaveLength(0);
  });

  it('keeps each call within 256 KiB of entries', async () => {
    const bus = busWith();
    const big = (n: number) => event(n, { error: 'e'.repeat(100 * 1024) });

    await Promise.all([1, 2, 3, 4].map((n) => bus.publish(big(n))));

    expect(fake.calls.map((call) => call.length)).toEqual([2, 2]);
  });

  it('round-trips an event through its Detail and parseEventBridgeEvent into an equal event', async () => {
    const delivered: StrataEvent[] = [];
    fake.subscribe(async (raw) => {
      delivered.push(parseEventBridgeEvent(raw));
    });
    const sent = [event(1), event(2, { branch: null, error: 'job 7 failed: exit code 3 — "ünïcode"' })];

    for (const e of sent) await busWith().publish(e);
    await fake.idle();

    expect(delivered).toEqual(sent);
  });

  it('answers an unreachable endpoint with UnavailableError naming the endpoint', async () => {
    const closedPort = await freePort();
    const unreachable = clientFor(`http://127.0.0.1:${closedPort}`, 1);
    const bus = new EventBridgeEventBus({ client: unreachable, eventBusName: BUS });

    const publishing = bus.publish(event(1));

    await expect(publishing).rejects.toThrow(UnavailableError);
    await expect(publishing).rejects.toThrow(`http://127.0.0.1:${closedPort}`);
    unreachable.destroy();
  });

  it('answers a bus that does not exist with NotFoundError naming it and how to create it', async () => {
    const bus = busWith({ eventBusName: 'no-such-bus' });

    const publishing = bus.publish(event(1));

    await expect(publishing).rejects.toThrow(NotFoundError);
    await expect(publishing).rejects.toThrow('aws events create-event-bus --name no-such-bus');
  });

  it('answers AccessDeniedException with UnavailableError naming events:PutEvents and the bus', async () => {
    fake.failCalls(() => ({ status: 400, type: 'AccessDeniedException', message: 'User is not authorized' }));
    const bus = busWith();

    const publishing = bus.publish(event(1));

    await expect(publishing).rejects.toThrow(UnavailableError);
    await expect(publishing).rejects.toThrow(
      `events:PutEvents on arn:aws:events:us-east-1:<account>:event-bus/${BUS}`,
    );
  });

  it('throws from subscribe, saying that handlers on AWS are EventBridge rule targets', () => {
    const bus = busWith();

    expect(() => bus.subscribe(async () => {})).toThrow(/targets of EventBridge rules/);
  });

  it('validates its props, naming the prop', () => {
    expect(() => busWith({ source: 'aws.s3' })).toThrow(/source must .* not start with 'aws\.'/);
    expect(() => busWith({ eventBusName: '' })).toThrow(/eventBusName/);
    expect(() => busWith({ maxEntryAttempts: 0 })).toThrow(/maxEntryAttempts/);
  });
});

describe('parseEventBridgeEvent', () => {
  const valid = () => ({
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'CommitFinished',
    source: 'strata',
    detail: JSON.parse(JSON.stringify(event(9))),
  });

  it('reads the domain event from an EventBridge envelope', () => {
    expect(parseEventBridgeEvent(valid())).toEqual(event(9));
  });

  it('rejects a value that is not an EventBridge envelope, naming the missing field', () => {
    const { 'detail-type': _, ...withoutDetailType } = valid();

    expect(() => parseEventBridgeEvent(withoutDetailType)).toThrow(InvalidArgumentError);
    expect(() => parseEventBridgeEvent(withoutDetailType)).toThrow(/not an EventBridge event: detail-type/);
  });

  it('rejects a detail that is not a Strata event, naming the field and the value', () => {
    const raw = { ...valid(), detail: { ...valid().detail, commit: 'not-hex' } };

    expect(() => parseEventBridgeEvent(raw)).toThrow(InvalidArgumentError);
    expect(() => parseEventBridgeEvent(raw)).toThrow(/commit: invalid commit ID "not-hex"/);
  });

  it('rejects a detail-type that differs from the detail', () => {
    const raw = { ...valid(), 'detail-type': 'SomethingElse' };

    expect(() => parseEventBridgeEvent(raw)).toThrow(
      /detail-type "SomethingElse" but its detail is a CommitFinished/,
    );
  });
});

/** A TCP port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return address.port;
}
