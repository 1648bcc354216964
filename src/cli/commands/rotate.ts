/** `gwctl rotate TOOL…`: a new key for a taken-over tool; the old one is revoked. */
import type { CliCommand } from '../command.ts';
import { runToolCommand, TOOL_OPTIONS } from '../tools.ts';

export const command: CliCommand = {
  name: 'rotate',
  summary: 'a new key for a taken-over tool; the old one is revoked',
  usage: 'gwctl rotate TOOL… [--json]',
  options: TOOL_OPTIONS,
  run: (args, { io }) => runToolCommand('rotate', args, io),
};
