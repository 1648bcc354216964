/** `gwctl restore (TOOL…|--all)`: put tools back as they were. */
import type { CliCommand } from '../command.ts';
import { ALL_OPTION, DRY_RUN_OPTION, runToolCommand, TOOL_OPTIONS } from '../tools.ts';

export const command: CliCommand = {
  name: 'restore',
  summary: 'put tools back as they were',
  usage: 'gwctl restore (TOOL…|--all) [--dry-run] [--json]\ngwctl restore --env PATH',
  options: {
    all: ALL_OPTION,
    env: { type: 'string', value: 'PATH', description: 'take the gateway variables out of a .env file again (undoes gwctl env --write PATH)' },
    'dry-run': DRY_RUN_OPTION,
    ...TOOL_OPTIONS,
  },
  async run(args, { io }) {
    if (typeof args.values.env === 'string')
      return (await import('./restore-env.ts')).run(['--env', args.values.env, ...args.positionals, ...(args.values.json ? ['--json'] : [])], io);
    return runToolCommand('restore', args, io);
  },
};
