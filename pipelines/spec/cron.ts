/**
 * Cron schedules for cron inputs, in the dialect Pachyderm accepts (robfig/cron's):
 * - 5 fields `minute hour day-of-month month day-of-week`, or 6 with a leading `second` field;
 * - each field a comma list of `*`, `N`, `N-M`, with an optional `/step` (`*\/15`, `10-50/10`,
 *   and `N/step` meaning N to the field's end); `?` is `*` in the two day fields; months and
 *   week days may be named (`JAN`, `mon-fri`, any case); Sunday is 0 or 7;
 * - descriptors `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`),
 *   `@hourly`, and `@every <duration>` with whole seconds, at least 1s.
 *
 * Rules: times are UTC. When both day fields are restricted (neither starts with `*` or `?`), a
 * day matches if EITHER matches, as in Vixie cron; otherwise both must. A schedule that can
 * never fire (`0 0 30 2 *`) is refused when parsed, so `next` always has an answer.
 * `@every d` ticks d after the previous tick, so `next(after)` is `after + d`.
 */
import { InvalidArgumentError } from '../../versioning/errors.ts';
import { parseDuration } from './duration.ts';

export interface CronSchedule {
  /** The spec as given. */
  readonly spec: string;
  /** The first tick strictly after `after`. */
  next(after: Date): Date;
}

interface FieldRange {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const SECOND: FieldRange = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldRange = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldRange = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldRange = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldRange = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
};
/** 7 is accepted as a second name for Sunday and folded onto 0. */
const DAY_OF_WEEK: FieldRange = {
  name: 'day-of-week',
  min: 0,
  max: 7,
  names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
};

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

/** The most days each month can have (February in a leap year). */
const MAX_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** A schedule that fires at all fires within 8 years (29 February skips 2100); search a little longer. */
const SEARCH_HORIZON_MS = 9 * 366 * 24 * 3_600_000;

const CRON_RULE =
  'use 5 fields "minute hour day-of-month month day-of-week" (or 6 with a leading second), e.g. "*/10 * * * *", or @hourly, @daily, @weekly, @monthly, @yearly, or "@every 30s"';

export function parseCronSchedule(spec: string): CronSchedule {
  const text = spec.trim();
  const invalid = (reason: string) =>
    new InvalidArgumentError(`invalid cron spec ${JSON.stringify(spec)}: ${reason}`);
  if (text.startsWith('@every')) return everySchedule(spec, text.slice('@every'.length).trim(), invalid);
  const fields = (DESCRIPTORS[text.toLowerCase()] ?? text).split(/\s+/);
  if (text.startsWith('@') && DESCRIPTORS[text.toLowerCase()] === undefined) {
    throw invalid(`unknown descriptor ${JSON.stringify(text)}; ${CRON_RULE}`);
  }
  if (text === '') throw invalid(`the spec is empty; ${CRON_RULE}`);
  if (fields.length !== 5 && fields.length !== 6) {
    throw invalid(`it has ${fields.length} fields; ${CRON_RULE}`);
  }
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] =
    fields.length === 6 ? fields : ['0', ...fields];
  const calendar: Calendar = {
    seconds: parseField(second!, SECOND, invalid),
    minutes: parseField(minute!, MINUTE, invalid),
    hours: parseField(hour!, HOUR, invalid),
    daysOfMonth: parseField(dayOfMonth!, DAY_OF_MONTH, invalid),
    months: parseField(month!, MONTH, invalid),
    daysOfWeek: foldSunday(parseField(dayOfWeek!, DAY_OF_WEEK, invalid)),
    eitherDay: isRestricted(dayOfMonth!) && isRestricted(dayOfWeek!),
  };
  if (!canFire(calendar)) {
    throw invalid('no month in it has the days it names, so it would never fire');
  }
  return { spec, next: (after) => nextCalendarTick(calendar, after) };
}

interface Calendar {
  readonly seconds: readonly boolean[];
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  readonly daysOfMonth: readonly boolean[];
  readonly months: readonly boolean[];
  readonly daysOfWeek: readonly boolean[];
  /** Both day fields are restricted: a day matching either one fires. */
  readonly eitherDay: boolean;
}

function everySchedule(spec: string, durationText: string, invalid: (reason: string) => Error): CronSchedule {
  let intervalMs: number;
  try {
    intervalMs = parseDuration(durationText);
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error));
  }
  if (intervalMs < 1_000 || intervalMs % 1_000 !== 0) {
    throw invalid('@every takes whole seconds, at least "1s", e.g. "@every 30s" or "@every 1h"');
  }
  return { spec, next: (after) => new Date(after.getTime() + intervalMs) };
}

/** A field starting with `*` or `?` (including `*\/2`) leaves its day field unrestricted. */
function isRestricted(field: string): boolean {
  return !field.startsWith('*') && !field.startsWith('?');
}

function parseField(field: string, range: FieldRange, invalid: (reason: string) => Error): boolean[] {
  const allowed = new Array<boolean>(range.max + 1).fill(false);
  const dayField = range === DAY_OF_MONTH || range === DAY_OF_WEEK;
  for (const part of field.split(',')) {
    const explain = (problem: string) =>
      invalid(`the ${range.name} field ${JSON.stringify(field)}: ${problem}`);
    const [base = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw explain(`${JSON.stringify(part)} has more than one '/'`);
    let first: number;
    let last: number;
    if (base === '*' || (base === '?' && dayField)) {
      first = range.min;
      last = range === DAY_OF_WEEK ? 6 : range.max;
    } else {
      const [fromText = '', toText, beyond] = base.split('-');
      if (beyond !== undefined) throw explain(`${JSON.stringify(part)} is not a value or a range`);
      first = fieldValue(fromText, range, explain);
      last =
        toText !== undefined
          ? fieldValue(toText, range, explain)
          : stepText !== undefined
            ? range.max
            : first;
      if (last < first) throw explain(`the range ${JSON.stringify(base)} runs backwards`);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!/^\d+$/.test(stepText ?? '1') || step < 1) {
      throw explain(`the step ${JSON.stringify(stepText)} is not a whole number of at least 1`);
    }
    for (let value = first; value <= last; value += step) allowed[value] = true;
  }
  return allowed;
}

function fieldValue(text: string, range: FieldRange, explain: (problem: string) => Error): number {
  const named = range.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return range === MONTH ? named + 1 : named;
  if (!/^\d+$/.test(text)) {
    const names = range.names ? ` or a name (${range.names.join(', ')})` : '';
    throw explain(`${JSON.stringify(text)} is not a number${names}`);
  }
  const value = Number(text);
  if (value < range.min || value > range.max) {
    throw explain(`${value} is outside ${range.min}–${range.max}`);
  }
  return value;
}

function foldSunday(daysOfWeek: boolean[]): boolean[] {
  if (daysOfWeek[7]) daysOfWeek[0] = true;
  return daysOfWeek.slice(0, 7);
}

function canFire(calendar: Calendar): boolean {
  if (calendar.eitherDay) return true;
  // Every month-day falls on every week day over the years, so only the month-days can rule a schedule out.
  return calendar.months.some(
    (inMonth, month) =>
      inMonth && calendar.daysOfMonth.some((on, day) => on && day <= MAX_DAYS_IN_MONTH[month - 1]!),
  );
}

function dayMatches(calendar: Calendar, date: Date): boolean {
  const byMonthDay = calendar.daysOfMonth[date.getUTCDate()] === true;
  const byWeekDay = calendar.daysOfWeek[date.getUTCDay()] === true;
  return calendar.eitherDay ? byMonthDay || byWeekDay : byMonthDay && byWeekDay;
}

/**
 * Walks forward from the next whole second, skipping a whole month, day, hour or minute at a
 * time when that field does not match, so the walk takes at most a few thousand steps.
 */
function nextCalendarTick(calendar: Calendar, after: Date): Date {
  const start = Math.floor(after.getTime() / 1_000) * 1_000 + 1_000;
  let time = start;
  while (time - start <= SEARCH_HORIZON_MS) {
    const at = new Date(time);
    const [year, month, day, hour, minute] = [
      at.getUTCFullYear(),
      at.getUTCMonth(),
      at.getUTCDate(),
      at.getUTCHours(),
      at.getUTCMinutes(),
    ];
    if (!calendar.months[month + 1]) time = Date.UTC(year, month + 1, 1);
    else if (!dayMatches(calendar, at)) time = Date.UTC(year, month, day + 1);
    else if (!calendar.hours[hour]) time = Date.UTC(year, month, day, hour + 1);
    else if (!calendar.minutes[minute]) time = Date.UTC(year, month, day, hour, minute + 1);
    else if (!calendar.seconds[at.getUTCSeconds()]) time += 1_000;
    else return at;
  }
  throw new InvalidArgumentError(`cron schedule has no tick within 9 years after ${after.toISOString()}`);
}
