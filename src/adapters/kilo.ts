/**
 * Kilo CLI (`@kilocode/cli` 7.7.7, a fork of opencode; read from the config loader and the
 * built-in `kilo-config` guide compiled into its binary): opencode's schema (`provider.P`,
 * `model = "P/MODEL"`), in JSONC files merged key by key, later winning.
 *
 * - Global dir: `$KILO_CONFIG_DIR` if set (the Global service's `config: KILO_CONFIG_DIR ??
 *   xdg`; the guide calls it "an additional config directory": either way its files load after
 *   ~/.config/kilo), else `$XDG_CONFIG_HOME/kilo` or `~/.config/kilo`. Files there, in load
 *   order: `config.json` (legacy), `kilo.json`, `kilo.jsonc`, `opencode.json`, `opencode.jsonc`.
 * - Outranking the global dir: `~/.kilocode/` then `~/.kilo/` (same file names; `.kilo` wins),
 *   project files (`./kilo.json[c]`, `.kilo/`), `KILO_CONFIG`, `KILO_CONFIG_CONTENT` and the
 *   managed `/etc/kilo/`. The home dirs are read here for status; the others depend on the
 *   project or the shell (doctor's business).
 * - Auth: `kilo auth login` keys live in `~/.local/share/kilo/auth.json`, used only when a
 *   provider has no `options.apiKey`; ours always has one. Never touched.
 *
 * Slot: see opencode-family.ts; written into the highest-ranked existing file of the global dir,
 * or a new `kilo.json`. Kilo rewrites the file on first run (adds `$schema`, `permission`).
 */
import { join } from 'node:path';
import { envVar, fileSpec, xdgConfigHome } from './common.ts';
import { opencodeFamilyAdapter } from './opencode-family.ts';
import type { AdapterEnv, FileSpec, ToolLocation } from './types.ts';

/** Global config files, highest precedence first. */
const NAMES = ['opencode.jsonc', 'opencode.json', 'kilo.jsonc', 'kilo.json'] as const;

function locate(ctx: AdapterEnv): ToolLocation {
  const dir = envVar(ctx, 'KILO_CONFIG_DIR') ?? join(xdgConfigHome(ctx), 'kilo');
  const outranking: FileSpec[] = [];
  for (const home of ['.kilo', '.kilocode']) {
    for (const name of NAMES) outranking.push(fileSpec(join(ctx.home, home), name, `${home}/${name}`, 'jsonc', false));
  }
  return {
    dir,
    files: [...outranking, ...NAMES.map((name) => fileSpec(dir, name, name, 'jsonc')), fileSpec(dir, 'config.json', 'config.json', 'jsonc', false)],
  };
}

export const kilo = opencodeFamilyAdapter({ id: 'kilo', name: 'Kilo', locate, createRole: 'kilo.json' });
