/**
 * Stage 2 of the support-triage pipeline: one report over every message's scores.
 *
 *   node report.mjs <scores-dir> <output-dir>      (in the pipeline: /pfs/score /pfs/out)
 *
 * Reads every `*.json` file score.mjs wrote (with glob `/`, all of them in one datum) and writes
 *
 * - `report.json`: { messages, averageSentiment, urgentThreshold, urgent, categories, mostUrgent }
 *   where `categories` maps each category to { messages, averageSentiment, urgent }, and
 *   `mostUrgent` lists the five most urgent messages (ties: the angrier first, then by name);
 * - `report.md`: the same, for people.
 *
 * A score file without the fields score.mjs writes stops the report with a message naming it,
 * rather than counting it wrongly. Plain JavaScript, no dependencies; the output depends only on
 * the scores, so an unchanged input gives identical bytes.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const URGENT_THRESHOLD = 0.5;
const MOST_URGENT = 5;

const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
const average = (values) =>
  values.length === 0 ? 0 : round(values.reduce((a, b) => a + b, 0) / values.length, 3);

function readScore(file, name) {
  const score = JSON.parse(readFileSync(file, 'utf8'));
  const fields = {
    message: 'string',
    subject: 'string',
    category: 'string',
    sentiment: 'number',
    urgency: 'number',
  };
  for (const [field, type] of Object.entries(fields)) {
    if (typeof score?.[field] !== type) {
      throw new Error(`${name}: field "${field}" should be a ${type}; is this a file written by score.mjs?`);
    }
  }
  return score;
}

export function buildReport(scores) {
  const categories = {};
  for (const name of [...new Set(scores.map((score) => score.category))].sort()) {
    const members = scores.filter((score) => score.category === name);
    categories[name] = {
      messages: members.length,
      averageSentiment: average(members.map((score) => score.sentiment)),
      urgent: members.filter((score) => score.urgency >= URGENT_THRESHOLD).length,
    };
  }
  const mostUrgent = [...scores]
    .sort(
      (a, b) =>
        b.urgency - a.urgency ||
        a.sentiment - b.sentiment ||
        (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
    )
    .slice(0, MOST_URGENT)
    .map(({ message, category, urgency, sentiment, subject }) => ({
      message,
      category,
      urgency,
      sentiment,
      subject,
    }));
  return {
    messages: scores.length,
    averageSentiment: average(scores.map((score) => score.sentiment)),
    urgentThreshold: URGENT_THRESHOLD,
    urgent: scores.filter((score) => score.urgency >= URGENT_THRESHOLD).length,
    categories,
    mostUrgent,
  };
}

export function reportMarkdown(report) {
  const lines = [
    '# Support triage report',
    '',
    `${report.messages} messages · average sentiment ${report.averageSentiment} · ` +
      `${report.urgent} urgent (urgency ≥ ${report.urgentThreshold})`,
    '',
    '| category | messages | average sentiment | urgent |',
    '| --- | ---: | ---: | ---: |',
    ...Object.entries(report.categories).map(
      ([name, c]) => `| ${name} | ${c.messages} | ${c.averageSentiment} | ${c.urgent} |`,
    ),
    '',
    '## Most urgent',
    '',
    ...report.mostUrgent.map(
      (m, i) =>
        `${i + 1}. **${m.message}** (${m.category}, urgency ${m.urgency}, sentiment ${m.sentiment}): ${m.subject}`,
    ),
    '',
  ];
  return lines.join('\n');
}

function main([scoresDir, outputDir]) {
  if (!scoresDir || !outputDir) {
    process.stderr.write('usage: node report.mjs <scores-dir> <output-dir>\n');
    process.exit(2);
  }
  const files = readdirSync(scoresDir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
  const scores = files.map((file) => readScore(file, relative(scoresDir, file)));
  const report = buildReport(scores);
  writeFileSync(join(outputDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outputDir, 'report.md'), reportMarkdown(report));
  process.stdout.write(`report over ${scores.length} scored messages written\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
