import { describe, expect, it } from 'vitest';
import { parseCronSchedule } from '../../pipelines/spec/index.ts';
import { InvalidArgumentError } from '../../versioning/errors.ts';

/** The next `count` ticks after `after` (an ISO time, UTC), as ISO strings. */
function ticks(spec: string, after: string, count = 1): string[] {
  const schedule = parseCronSchedule(spec);
  const times: string[] = [];
  let at = new Date(after);
  for (let i = 0; i < count; i++) {
    at = schedule.next(at);
    times.push(at.toISOString());
  }
  return times;
}

describe('parseCronSchedule: next tick', () => {
  it('steps a 5-field schedule to the next matching minute', () => {
    expect(ticks('*/15 * * * *', '2024-05-10T10:07:30Z', 3)).toEqual([
      '2024-05-10T10:15:00.000Z',
      '2024-05-10T10:30:00.000Z',
      '2024-05-10T10:45:00.000Z',
    ]);
  });

  it('returns the tick strictly after the given time', () => {
    expect(ticks('0 * * * *', '2024-05-10T10:00:00Z')).toEqual(['2024-05-10T11:00:00.000Z']);
    expect(ticks('0 * * * *', '2024-05-10T09:59:59.999Z')).toEqual(['2024-05-10T10:00:00.000Z']);
  });

  it('reads a leading seconds field in 6-field schedules', () => {
    expect(ticks('30 * * * * *', '2024-05-10T10:00:31Z', 2)).toEqual([
      '2024-05-10T10:01:30.000Z',
      '2024-05-10T10:02:30.000Z',
    ]);
  });

  it('reads ranges, lists, steps and names of days and months', () => {
    expect(ticks('0 9 * * mon-fri', '2024-05-10T10:00:00Z')).toEqual(['2024-05-13T09:00:00.000Z']);
    expect(ticks('0 0 1 jan,JUL *', '2024-02-01T00:00:00Z')).toEqual(['2024-07-01T00:00:00.000Z']);
    expect(ticks('10-50/20 8 * * *', '2024-05-10T08:15:00Z', 3)).toEqual([
      '2024-05-10T08:30:00.000Z',
      '2024-05-10T08:50:00.000Z',
      '2024-05-11T08:10:00.000Z',
    ]);
    expect(ticks('5/20 8 * * *', '2024-05-10T08:00:00Z', 3)).toEqual([
      '2024-05-10T08:05:00.000Z',
      '2024-05-10T08:25:00.000Z',
      '2024-05-10T08:45:00.000Z',
    ]);
  });

  it('takes Sunday as 0 or 7', () => {
    const saturday = '2024-05-11T12:00:00Z';
    expect(ticks('0 0 * * 7', saturday)).toEqual(ticks('0 0 * * 0', saturday));
    expect(ticks('0 0 * * 7', saturday)).toEqual(['2024-05-12T00:00:00.000Z']);
  });

  it('fires on either day field when both are restricted, on both when one is a star', () => {
    // 2024-09-01 is a Sunday; the 13th is a Friday.
    expect(ticks('0 0 13 * fri', '2024-09-01T00:00:00Z', 2)).toEqual([
      '2024-09-06T00:00:00.000Z',
      '2024-09-13T00:00:00.000Z',
    ]);
    expect(ticks('0 0 13 * *', '2024-09-01T00:00:00Z')).toEqual(['2024-09-13T00:00:00.000Z']);
    expect(ticks('0 0 */2 * fri', '2024-09-01T00:00:00Z')).toEqual(['2024-09-13T00:00:00.000Z']);
  });

  it('crosses years, and finds 29 February in the next leap year', () => {
    expect(ticks('0 0 1 1 *', '2024-12-31T23:59:59Z')).toEqual(['2025-01-01T00:00:00.000Z']);
    expect(ticks('0 0 29 2 *', '2025-03-01T00:00:00Z')).toEqual(['2028-02-29T00:00:00.000Z']);
  });

  it('reads the descriptors', () => {
    const after = '2024-05-10T10:07:30Z';
    expect(ticks('@hourly', after)).toEqual(['2024-05-10T11:00:00.000Z']);
    expect(ticks('@daily', after)).toEqual(ticks('@midnight', after));
    expect(ticks('@daily', after)).toEqual(['2024-05-11T00:00:00.000Z']);
    expect(ticks('@weekly', after)).toEqual(['2024-05-12T00:00:00.000Z']);
    expect(ticks('@monthly', after)).toEqual(['2024-06-01T00:00:00.000Z']);
    expect(ticks('@yearly', after)).toEqual(ticks('@annually', after));
    expect(ticks('@yearly', after)).toEqual(['2025-01-01T00:00:00.000Z']);
  });

  it('ticks @every interval after the previous tick', () => {
    expect(ticks('@every 90s', '2024-05-10T10:00:00.250Z', 2)).toEqual([
      '2024-05-10T10:01:30.250Z',
      '2024-05-10T10:03:00.250Z',
    ]);
    expect(ticks('@every 1h30m', '2024-05-10T10:00:00Z')).toEqual(['2024-05-10T11:30:00.000Z']);
  });

  it('keeps the spec as given', () => {
    expect(parseCronSchedule(' @every 10s ').spec).toBe(' @every 10s ');
  });
});

describe('parseCronSchedule: invalid specs', () => {
  it.each([
    ['', /the spec is empty/],
    ['* * * *', /it has 4 fields; use 5 fields/],
    ['* * * * * * *', /it has 7 fields/],
    ['60 * * * *', /the minute field "60": 60 is outside 0–59/],
    ['0 0 0 * *', /the day-of-month field "0": 0 is outside 1–31/],
    ['0 0 * 13 *', /the month field "13": 13 is outside 1–12/],
    ['0 0 * * 8', /the day-of-week field "8": 8 is outside 0–7/],
    ['0 20-10 * * *', /the hour field "20-10": the range "20-10" runs backwards/],
    ['*/0 * * * *', /the step "0" is not a whole number of at least 1/],
    ['0 0 * * funday', /"funday" is not a number or a name \(sun, mon, tue, wed, thu, fri, sat\)/],
    ['0 0 30 2 *', /would never fire/],
    ['0 0 31 4,6,9,11 *', /would never fire/],
    ['@fortnightly', /unknown descriptor "@fortnightly"/],
    ['@every 500ms', /@every takes whole seconds, at least "1s"/],
    ['@every 1.5s', /@every takes whole seconds/],
    ['@every soon', /invalid duration "soon"/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseCronSchedule(spec)).toThrow(InvalidArgumentError);
    expect(() => parseCronSchedule(spec)).toThrow(message);
  });
});
