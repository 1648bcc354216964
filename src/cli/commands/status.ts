/** `gwctl status [TOOL…]`: each tool's status (one of the four), its address and config file. */
import type { CliCommand } from '../command.ts';
import { runToolCommand, TOOL_OPTIONS } from '../tools.ts';

export const command: CliCommand = {
  name: 'status',
  summary: "show each tool's status",
  usage: 'gwctl status [TOOL…] [--json]',
  options: TOOL_OPTIONS,
  run: (args, { io }) => runToolCommand('status', args, io),
};
