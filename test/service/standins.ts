/**
 * Stand-ins for launchctl and systemctl on PATH: shell scripts that append their arguments to a
 * log (one call per line) and keep a little state in files, so install/status/uninstall can be
 * driven end to end without a real service manager.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface StandIns {
  bin: string;
  log: string;
  calls(): string[];
  /** PATH with only the stand-ins and the basic system tools. */
  path: string;
}

export function makeStandIns(root: string, { systemdState = 'running' }: { systemdState?: string } = {}): StandIns {
  const bin = join(root, 'standin-bin');
  const state = join(root, 'standin-state');
  mkdirSync(bin, { recursive: true });
  mkdirSync(state, { recursive: true });
  const log = join(root, 'standin-calls.log');
  writeFileSync(
    join(bin, 'launchctl'),
    `#!/bin/sh
echo "launchctl $*" >> '${log}'
case "$1" in
  bootstrap) touch '${state}/launchd-loaded' ;;
  bootout) [ -e '${state}/launchd-loaded' ] || { echo "Boot-out failed: 3: No such process" >&2; exit 3; }; rm -f '${state}/launchd-loaded' ;;
  kickstart) [ -e '${state}/launchd-loaded' ] || { echo "Could not find service" >&2; exit 113; } ;;
  print) [ -e '${state}/launchd-loaded' ] || { echo "Could not find service" >&2; exit 113; }
         printf '%s = {\\n\\tstate = running\\n\\tpid = 4242\\n}\\n' "$2" ;;
esac
exit 0
`,
  );
  writeFileSync(
    join(bin, 'systemctl'),
    `#!/bin/sh
echo "systemctl $*" >> '${log}'
[ "$1" = "--user" ] || { echo "stand-in only knows --user" >&2; exit 1; }
shift
case "$1" in
  is-system-running) echo '${systemdState}'; [ '${systemdState}' = running ] || { echo "Failed to connect to bus: No medium found" >&2; exit 1; } ;;
  enable) touch '${state}/systemd-enabled' '${state}/systemd-active' ;;
  disable) rm -f '${state}/systemd-enabled' '${state}/systemd-active' ;;
  restart) touch '${state}/systemd-active' ;;
  show)
    if [ -e '${state}/systemd-enabled' ]; then echo LoadState=loaded; echo UnitFileState=enabled; else echo LoadState=not-found; echo UnitFileState=; fi
    if [ -e '${state}/systemd-active' ]; then echo ActiveState=active; echo MainPID=4343; else echo ActiveState=inactive; echo MainPID=0; fi ;;
esac
exit 0
`,
  );
  chmodSync(join(bin, 'launchctl'), 0o755);
  chmodSync(join(bin, 'systemctl'), 0o755);
  return {
    bin,
    log,
    path: `${bin}:/usr/bin:/bin`,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []),
  };
}
