/**
 * Kilo CLI (`@kilocode/cli` 7.7.7, a fork of opencode; read from the config loader and the
 * built-in `kilo-config` guide compiled into its binary): opencode's schema (`provider.P`,
 * `model = "P/MODEL"`), in JSONC files merged key by key, later winning.
 *
 * - Global dir: `$XDG_CONFIG_HOME/kilo` or `~/.config/kilo`. Files there, in load order:
 *   `config.json` (legacy), `kilo.json`, `kilo.jsonc`, `opencode.json`, `opencode.jsonc`.
 * - Outranking it, lowest first: `~/.kilocode/` then `~/.kilo/` (same file names; `.kilo` wins),
 *   and `$KILO_CONFIG_DIR`, "an additional config directory" loaded last (checked with 7.7.7:
 *   its kilo.json's `model` won over ~/.config/kilo's, whose provider still loaded). When it is
 *   set, it is the dir gwctl writes (and the one that must exist), the global dir is read only.
 *   Project files (`./kilo.json[c]`, `.kilo/`), `KILO_CONFIG`, `KILO_CONFIG_CONTENT` and the
 *   managed `/etc/kilo/` outrank all of these; they depend on the project or the shell (doctor
 *   checks the project files and KILO_CONFIG_CONTENT).
 * - Auth: `kilo auth login` keys live in `~/.local/share/kilo/auth.json`, used only when a
 *   provider has no `options.apiKey`; ours always has one. Never touched.
 *
 * Slot: see opencode-family.ts; written into the highest-ranked existing file of the dir gwctl
 * writes, or a new `kilo.json` there. Kilo may rewrite the file itself (a one-time migration
 * adds `permission.bash`).
 *
 * launch: `KILO_CONFIG_CONTENT` (inline JSON config, outranking the global, home and
 * `$KILO_CONFIG_DIR` files, as opencode's `OPENCODE_CONFIG_CONTENT`) with provider
 * `gwctl-launch` and its model. `~/.config/kilo` and `auth.json` stay in use.
 */
import { join } from 'node:path';
import { envVar, fileSpec, projectDirs, xdgConfigHome } from './common.ts';
import { opencodeFamilyAdapter } from './opencode-family.ts';
import type { AdapterEnv, DoctorCheckContext, FileSpec, ToolLocation } from './types.ts';

/** Global config files, highest precedence first. */
const NAMES = ['opencode.jsonc', 'opencode.json', 'kilo.jsonc', 'kilo.json'] as const;

function locate(ctx: AdapterEnv): ToolLocation {
  const global = join(xdgConfigHome(ctx), 'kilo');
  const extra = envVar(ctx, 'KILO_CONFIG_DIR');
  const dir = extra ?? global;
  const homes: FileSpec[] = [];
  for (const home of ['.kilo', '.kilocode']) {
    for (const name of NAMES) homes.push(fileSpec(join(ctx.home, home), name, `${home}/${name}`, 'jsonc', false));
  }
  const globals = [
    ...NAMES.map((name) => fileSpec(global, name, name, 'jsonc', extra === undefined)),
    fileSpec(global, 'config.json', 'config.json', 'jsonc', false),
  ];
  if (extra === undefined) return { dir, files: [...homes, ...globals] };
  // Written: $KILO_CONFIG_DIR's files, ranked above the home dirs and the global dir.
  return { dir, files: [...NAMES.map((name) => fileSpec(extra, name, `$KILO_CONFIG_DIR/${name}`, 'jsonc')), ...homes, ...globals] };
}

/** Project config files load over the global ones; so does KILO_CONFIG_CONTENT. */
function doctor(c: DoctorCheckContext): void {
  for (const d of projectDirs(c)) {
    for (const sub of ['', '.kilo', '.kilocode']) {
      for (const name of ['kilo.json', 'kilo.jsonc', 'opencode.json', 'opencode.jsonc']) {
        const file = join(d, sub, name);
        const model = c.readDoc(file, 'jsonc')?.model;
        if (typeof model === 'string' && !model.startsWith(`${c.gateway.providerId}/`)) {
          c.shadow(
            'kilo-project',
            'error',
            `the project file ${file} selects model "${model}", which wins over ${c.configPath} in that project`,
            `remove "model" from ${file}, or set it to "${c.gateway.providerId}/<model>"`,
            file,
          );
        }
      }
    }
  }
  if (c.env.KILO_CONFIG_CONTENT)
    c.shadow(
      'kilo-env',
      'warn',
      'KILO_CONFIG_CONTENT is set in this shell; its inline config wins over the config files',
      'unset KILO_CONFIG_CONTENT (and remove it from your shell profile) unless it must override the gateway',
    );
}

export const kilo = opencodeFamilyAdapter({
  id: 'kilo',
  name: 'Kilo',
  locate,
  doctor,
  createRole: (ctx) => (envVar(ctx, 'KILO_CONFIG_DIR') === undefined ? 'kilo.json' : '$KILO_CONFIG_DIR/kilo.json'),
  contentVar: 'KILO_CONFIG_CONTENT',
  bin: 'kilo',
});
