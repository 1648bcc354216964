/** `gwctl restore --env PATH`: take the variables `gwctl env NAME --write PATH` wrote out again. */
import { gwctlPaths, homeFrom } from '../../home/paths.ts';
import type { Io } from '../../shared/io.ts';

const USAGE = `Usage:
  gwctl restore --env PATH   remove what \`gwctl env NAME --write PATH\` wrote; the file is
                             byte-identical to before when nothing else changed it`;

export async function run(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const i = argv.indexOf('--env');
  const path = argv[i + 1];
  const other = argv.filter((_, j) => j !== i && j !== i + 1);
  if (!path || path.startsWith('-') || other.length) {
    io.err(
      `gwctl restore: ${!path || path.startsWith('-') ? '--env needs a PATH' : `unexpected '${other[0]}' with --env`}\nRun 'gwctl restore --env --help' for usage.`,
    );
    return 2;
  }
  try {
    const paths = gwctlPaths({ home: homeFrom(io.env), env: io.env });
    const { restoreEnvFile } = await import('../../engine/env-file.ts');
    for (const n of await restoreEnvFile(path, { stateDir: paths.stateDir, cwd: process.cwd() })) io.out(n);
    return 0;
  } catch (e) {
    io.err(`gwctl restore: ${(e as Error).message}`);
    return 1;
  }
}
