/** `gwctl version` (also `gwctl --version`, `-v`). */
import { VERSION } from '../../shared/version.ts';
import type { CliCommand } from '../command.ts';

export const command: CliCommand = {
  name: 'version',
  summary: "print gwctl's version",
  usage: 'gwctl version',
  options: {},
  async run(_args, { io }) {
    io.out(VERSION);
    return 0;
  },
};
