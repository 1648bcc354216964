/** `gwctl restore (TOOL…|--all)`: put tools back as they were. */
import type { CliCommand } from '../command.ts';
import { ALL_OPTION, runToolCommand, TOOL_OPTIONS } from '../tools.ts';

export const command: CliCommand = {
  name: 'restore',
  summary: 'put tools back as they were',
  usage: 'gwctl restore (TOOL…|--all) [--json]',
  options: { all: ALL_OPTION, ...TOOL_OPTIONS },
  run: (args, { io }) => runToolCommand('restore', args, io),
};
