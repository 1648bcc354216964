/** `gwctl rotate (TOOL…|--all)`: a new key for taken-over tools; the old one is revoked. */
import type { CliCommand } from '../command.ts';
import { ALL_OPTION, runToolCommand, TOOL_OPTIONS } from '../tools.ts';

export const command: CliCommand = {
  name: 'rotate',
  summary: 'a new key for taken-over tools; the old one is revoked',
  usage: 'gwctl rotate (TOOL…|--all) [--json]',
  options: { all: ALL_OPTION, ...TOOL_OPTIONS },
  run: (args, { io }) => runToolCommand('rotate', args, io),
};
