/** A throw-away HOME with every XDG_* variable inside it. Tests never see the real home. */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { mkdir, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempHome {
  home: string;
  env: Record<string, string>;
  cleanup(): void;
}

export function tempHome(prefix = 'gwctl-test-'): TempHome {
  const home = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: join(home, '.run'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  };
  return { home, env, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** Copy a fixture HOME tree (test/fixtures/<tool>/<case>/home) into the temp HOME. */
export async function seedHome(home: string, fixtureHome: string): Promise<void> {
  await mkdir(home, { recursive: true });
  await cp(fixtureHome, home, { recursive: true, verbatimSymlinks: true });
}
