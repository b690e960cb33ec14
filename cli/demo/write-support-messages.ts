/**
 * Writes the demo's forty support messages into a folder, for running the pipeline by hand:
 *
 *   node cli/demo/write-support-messages.ts ./messages
 *   node cli/demo/write-support-messages.ts ./messages --edited   (also applies the demo's edit)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { editedMessage, supportMessages } from '../../pipelines/examples/support-triage/messages.ts';

const [dir, flag] = process.argv.slice(2);
if (dir === undefined || (flag !== undefined && flag !== '--edited')) {
  process.stderr.write('usage: node cli/demo/write-support-messages.ts <folder> [--edited]\n');
  process.exit(2);
}
const messages = supportMessages();
const edit = editedMessage(messages);
const chosen = flag === '--edited' ? messages.map((m) => (m.name === edit.name ? edit : m)) : messages;
await mkdir(dir, { recursive: true });
for (const message of chosen) await writeFile(join(dir, message.name), message.text);
process.stdout.write(`wrote ${chosen.length} messages to ${resolve(dir)}\n`);
