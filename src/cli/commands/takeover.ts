/** `gwctl takeover (TOOL…|--all) [--force]`: point tools at the gateway. */
import type { CliCommand } from '../command.ts';
import { ALL_OPTION, runToolCommand, TOOL_OPTIONS } from '../tools.ts';

export const command: CliCommand = {
  name: 'takeover',
  summary: 'point tools at the gateway (--force: also tools connected to another address)',
  usage: 'gwctl takeover (TOOL…|--all) [--force] [--json]',
  options: {
    all: ALL_OPTION,
    force: { type: 'boolean', short: 'f', description: 'also take over a tool connected to another address (restore puts it back)' },
    ...TOOL_OPTIONS,
  },
  run: (args, { io }) => runToolCommand('takeover', args, io),
};
