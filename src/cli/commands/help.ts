/** `gwctl help [VERB]` (also `gwctl --help`): built from the command table, never by hand. */
import { TOOL_IDS } from '../../adapters/index.ts';
import { GATEWAY_KINDS } from '../../gateway/index.ts';
import { VERSION } from '../../shared/version.ts';
import { commandHelp, UsageError, type CliCommand, type CommandEntry } from '../command.ts';

export const command: CliCommand = {
  name: 'help',
  summary: "this help, or one command's: gwctl help VERB",
  usage: 'gwctl help [VERB]',
  options: {},
  async run({ positionals }, { io, commands }) {
    if (positionals.length > 1) throw new UsageError('help takes at most one VERB');
    const verb = positionals[0];
    if (verb) {
      const entry = commands.find((c) => c.name === verb);
      if (!entry) throw new UsageError(`unknown command '${verb}'`);
      io.out(commandHelp((await entry.load()).command));
      return 0;
    }
    io.out(await overview(commands));
    return 0;
  },
};

const COLUMN = 44;

export async function overview(commands: readonly CommandEntry[]): Promise<string> {
  const loaded = await Promise.all(commands.map(async (c) => (await c.load()).command));
  const lines: string[] = [];
  for (const c of loaded) {
    // The synopsis lines of its usage, without the descriptions some put beside them.
    const synopsis = c.usage
      .split('\n')
      .filter((l) => l.startsWith('gwctl '))
      .map((l) => l.replace(/\s{2,}.*$/, ''));
    const last = synopsis.length - 1;
    synopsis.forEach((s, i) => {
      const left = `  ${s}`;
      if (i < last) lines.push(left);
      else if (left.length < COLUMN) lines.push(`${left.padEnd(COLUMN)} ${c.summary}`);
      else lines.push(left, `${''.padEnd(COLUMN)} ${c.summary}`);
    });
  }
  return `gwctl ${VERSION}: point AI coding CLIs at a local AI gateway, and put them back exactly.

Usage:
${lines.join('\n')}

  status, takeover, restore and rotate go through the agent (started in the background if none
  runs); --no-autostart uses a running agent, else runs in-process; --no-agent runs in-process.
  Run 'gwctl VERB --help' for a command's options.

Tools: ${TOOL_IDS.join(', ')}

Environment:
  GWCTL_GATEWAY_URL        gateway root (default http://127.0.0.1:11580, or gateway.url in settings)
  GWCTL_GATEWAY_KIND       gateway kind: ${GATEWAY_KINDS.join(', ')}
  GWCTL_GATEWAY_KEY        the key written into each tool's config (kinds that cannot mint keys)
  GWCTL_GATEWAY_ADMIN_KEY  the admin credential used to mint keys (kinds that mint keys)
  GWCTL_NO_AGENT=1         same as --no-agent`;
}
