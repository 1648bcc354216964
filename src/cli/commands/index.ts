/**
 * The command table: every `gwctl` verb, in the order `gwctl --help` lists them. A new verb is
 * one file in this directory (exporting `command`, see ../command.ts) and one line here. A
 * command's file is loaded only when it runs (or for `--help`).
 */
import type { CommandEntry } from '../command.ts';

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'ui', load: () => import('./ui.ts') },
  { name: 'status', load: () => import('./status.ts') },
  { name: 'takeover', load: () => import('./takeover.ts') },
  { name: 'restore', load: () => import('./restore.ts') },
  { name: 'rotate', load: () => import('./rotate.ts') },
  { name: 'launch', load: () => import('./launch.ts') },
  { name: 'gateway', load: () => import('./gateway.ts') },
  { name: 'config', load: () => import('./config.ts') },
  { name: 'keys', load: () => import('./keys.ts') },
  { name: 'usage', load: () => import('./usage.ts') },
  { name: 'test', load: () => import('./test.ts') },
  { name: 'env', load: () => import('./env.ts') },
  { name: 'exec', load: () => import('./exec.ts') },
  { name: 'import', load: () => import('./import.ts') },
  { name: 'doctor', load: () => import('./doctor.ts') },
  { name: 'service', load: () => import('./service.ts') },
  { name: 'watch', load: () => import('./watch.ts') },
  { name: 'agent', load: () => import('./agent.ts') },
  { name: 'uninstall', load: () => import('./uninstall.ts') },
  { name: 'help', load: () => import('./help.ts') },
  { name: 'version', load: () => import('./version.ts') },
];
