/**
 * Stage 1 of the support-triage pipeline: scores support messages, one JSON file per message.
 *
 *   node score.mjs <input-dir> <output-dir>       (in the pipeline: /pfs/messages /pfs/out)
 *
 * Every file under <input-dir> (with glob `/*`, one message per datum) is read as a mail: headers,
 * a blank line, the body. For `<path>.txt` it writes `<output-dir>/<path>.json`:
 *
 *   { message, from, subject, category, sentiment, urgency, tokens, signals }
 *
 * - sentiment: -1 (angry) … +1 (delighted). The weights of the lexicon's words found in the
 *   subject and body are summed (a negation such as "not" or "never" in the two words before a
 *   word turns it half the other way), then squashed into (-1, 1) by sum / sqrt(sum² + 15), as
 *   VADER does.
 * - urgency: 0 … 1. Points for urgent words and phrases ("immediately", "down", "charged twice"),
 *   for "!!" and for shouted words, and one when the sentiment is below -0.5; 8 points or more is 1.
 *   An urgent word right after a negation ("not critical") earns nothing.
 * - category: the topic whose keywords occur most often (refund, outage, login, billing), with
 *   praise counted only when the sentiment is positive; ties go to the earlier topic, no keyword
 *   at all gives "other".
 * - tokens: the number of words in subject and body.
 *
 * Plain JavaScript with no dependencies, so any Node 20 or newer can run it, and deterministic: the
 * same message always gives the same bytes, so a reprocessed datum's output does not change.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Word → weight, from -3 (very negative) to +3 (very positive). */
const SENTIMENT = {
  thanks: 2,
  thank: 2,
  great: 3,
  love: 3,
  awesome: 3,
  amazing: 3,
  fantastic: 3,
  excellent: 3,
  brilliant: 3,
  helpful: 2,
  happy: 2,
  appreciate: 2,
  easiest: 2,
  smooth: 1,
  clear: 1,
  faster: 1,
  works: 1,
  worked: 1,
  fixing: 1,
  saved: 1,
  down: -2,
  broken: -3,
  errors: -2,
  error: -2,
  failed: -2,
  failing: -2,
  wrong: -2,
  unacceptable: -3,
  useless: -3,
  annoying: -2,
  slow: -1,
  stuck: -2,
  locked: -2,
  lost: -1,
  cancel: -2,
  costing: -2,
  losing: -2,
  nobody: -1,
  suspended: -2,
  maxed: -1,
  spins: -1,
  loops: -1,
  expired: -1,
  missing: -1,
};

const NEGATIONS = new Set([
  'not',
  'no',
  'never',
  "don't",
  "doesn't",
  "didn't",
  "can't",
  'cannot',
  "won't",
  "isn't",
  "wasn't",
  "haven't",
  'nothing',
  'none',
]);

/** Urgent words → points. */
const URGENT_WORDS = {
  urgent: 3,
  immediately: 3,
  asap: 3,
  emergency: 3,
  down: 2,
  outage: 2,
  production: 2,
  critical: 2,
  escalate: 2,
  unacceptable: 2,
  500: 2,
  now: 1,
  minute: 1,
  hour: 1,
  today: 1,
  tomorrow: 1,
  cancel: 1,
  payroll: 1,
  suspended: 1,
};

/** Urgent phrases → points, matched in the lower-cased text. */
const URGENT_PHRASES = {
  'charged twice': 3,
  'all users': 2,
  'nobody can': 2,
  'whole team': 1,
  "can't log in": 2,
  'cannot log in': 2,
  'locked out': 2,
  'money back': 1,
  'client demo': 1,
  'board meeting': 1,
};

/** Topic → keywords (single words or phrases); refund's count double, as refunds mention charges. */
const TOPIC_KEYWORDS = {
  refund: { weight: 2, words: ['refund', 'refunds', 'refunded', 'money back', 'reimburse'] },
  outage: {
    weight: 1,
    words: [
      'down',
      'outage',
      '500',
      'errors',
      'unavailable',
      'loading',
      'load',
      'stuck',
      'slow',
      'sync',
      'webhooks',
      'status page',
      'refreshed',
      'failed',
    ],
  },
  login: {
    weight: 1,
    words: ['login', 'log in', 'sign in', 'signing in', 'password', '2fa', 'sso', 'locked out', 'session'],
  },
  billing: {
    weight: 1,
    words: [
      'charged',
      'invoice',
      'invoices',
      'billed',
      'billing',
      'payment',
      'card',
      'pricing',
      'price',
      'subscription',
      'vat',
      'discount',
    ],
  },
  praise: {
    weight: 1,
    words: [
      'thanks',
      'thank',
      'love',
      'great',
      'awesome',
      'amazing',
      'fantastic',
      'excellent',
      'brilliant',
      'happy',
      'helpful',
      'easiest',
      'appreciate',
    ],
  },
};

const URGENT_AT = 8;

/** Reads a mail: `Header: value` lines up to the first blank line, then the body. */
export function parseMessage(text) {
  const lines = text.split(/\r?\n/);
  const headers = {};
  let index = 0;
  for (; index < lines.length && lines[index] !== ''; index += 1) {
    const match = /^([A-Za-z-]+):\s*(.*)$/.exec(lines[index]);
    if (!match) break; // no header block: the whole file is the body
    headers[match[1].toLowerCase()] = match[2];
  }
  if (index === 0 || lines[index] !== '') index = 0;
  return {
    from: headers.from ?? '',
    subject: headers.subject ?? '',
    body: lines.slice(index).join('\n').trim(),
  };
}

export function tokenize(text) {
  return (text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? []).map((token) => token.replace(/'$/, ''));
}

const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
const negatedAt = (tokens, index) =>
  tokens.slice(Math.max(0, index - 2), index).some((t) => NEGATIONS.has(t));

function countPhrase(padded, phrase) {
  return padded.split(` ${phrase} `).length - 1;
}

export function scoreMessage(text) {
  const { from, subject, body } = parseMessage(text);
  const raw = `${subject}\n${body}`;
  const tokens = tokenize(raw);
  const padded = ` ${tokens.join(' ')} `;
  const signals = [];

  let sum = 0;
  tokens.forEach((token, index) => {
    const weight = SENTIMENT[token];
    if (weight === undefined) return;
    const negated = negatedAt(tokens, index);
    sum += negated ? -weight / 2 : weight;
    signals.push(`${negated ? 'not ' : ''}${token} ${weight > 0 ? '+' : ''}${weight}`);
  });
  const sentiment = round(sum / Math.sqrt(sum * sum + 15), 3);

  let points = 0;
  tokens.forEach((token, index) => {
    const value = URGENT_WORDS[token];
    if (value === undefined || negatedAt(tokens, index)) return;
    points += value;
    signals.push(`urgent: ${token}`);
  });
  for (const [phrase, value] of Object.entries(URGENT_PHRASES)) {
    const found = countPhrase(padded, tokenize(phrase).join(' '));
    if (found > 0) {
      points += value * found;
      signals.push(`urgent: "${phrase}"`);
    }
  }
  if (/!!/.test(raw)) {
    points += 1;
    signals.push('urgent: !!');
  }
  const shouted = (raw.match(/(?<![\w-])[A-Z]{3,}(?![\w-])/g) ?? []).filter(
    (word) => !/^(API|CSV|SSO|VAT|UTC|EU)$/.test(word),
  );
  if (shouted.length > 0) {
    points += Math.min(2, shouted.length);
    signals.push(`urgent: shouting (${shouted.join(' ')})`);
  }
  if (sentiment < -0.5) points += 1;
  const urgency = round(Math.min(1, points / URGENT_AT), 2);

  let category = 'other';
  let best = 0;
  for (const [topic, { weight, words }] of Object.entries(TOPIC_KEYWORDS)) {
    if (topic === 'praise' && sentiment <= 0) continue;
    const hits =
      words.reduce((total, word) => total + countPhrase(padded, tokenize(word).join(' ')), 0) * weight;
    if (hits > best) {
      best = hits;
      category = topic;
    }
  }

  return { from, subject, category, sentiment, urgency, tokens: tokens.length, signals };
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

function main([inputDir, outputDir]) {
  if (!inputDir || !outputDir) {
    process.stderr.write('usage: node score.mjs <input-dir> <output-dir>\n');
    process.exit(2);
  }
  for (const file of filesUnder(inputDir)) {
    const name = relative(inputDir, file);
    const result = { message: name, ...scoreMessage(readFileSync(file, 'utf8')) };
    const target = join(outputDir, `${name.replace(/\.txt$/, '')}.json`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      `${name}: ${result.category}, sentiment ${result.sentiment}, urgency ${result.urgency}\n`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
