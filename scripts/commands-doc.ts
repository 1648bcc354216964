/**
 * docs/commands.md's reference part, generated from the command table (src/cli/commands/index.ts):
 * `node scripts/commands-doc.ts` rewrites it; test/structure/docs.test.ts fails when it is stale.
 */
import { join } from 'node:path';
import { commandHelp, type CliCommand } from '../src/cli/command.ts';
import type { Io } from '../src/shared/io.ts';
import { COMMANDS } from '../src/cli/commands/index.ts';
import { writeDocSection } from './doc-section.ts';

export const COMMANDS_DOC = join(import.meta.dirname, '..', 'docs', 'commands.md');

/** What `gwctl VERB --help` prints: built from the options, or the verb's own text for raw verbs. */
async function helpOf(command: CliCommand): Promise<string> {
  if (!command.rawArgs) return commandHelp(command);
  const out: string[] = [];
  const io: Io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s), env: { HOME: '/nonexistent', PATH: '' } };
  const code = await command.run({ values: {}, positionals: ['--help'] }, { io, commands: COMMANDS });
  if (code !== 0 || !out.length) return commandHelp(command);
  return `${command.summary}\n\n${out.join('\n')}`;
}

export async function commandsReference(): Promise<string> {
  const parts: string[] = [];
  for (const entry of COMMANDS) {
    const { command } = await entry.load();
    parts.push(`### gwctl ${command.name}\n\n\`\`\`\n${(await helpOf(command)).trim()}\n\`\`\``);
  }
  return parts.join('\n\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  writeDocSection(COMMANDS_DOC, 'commands', await commandsReference());
  console.log(`wrote ${COMMANDS_DOC}`);
}
