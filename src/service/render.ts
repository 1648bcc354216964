/**
 * The service definitions `gwctl service install` writes, rendered from the templates shipped in
 * `launchd/` and `systemd/` (package root). Pure: the caller reads the template text.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_NODE_FLAGS, AGENT_OUTPUT_LOG } from '../home/paths.ts';

/** launchd label (reverse DNS) and the plist's file name. */
export const LAUNCHD_LABEL = 'dev.gwctl.agent';
/** systemd user unit name. */
export const SYSTEMD_UNIT = 'gwctl-agent.service';

export const LAUNCHD_TEMPLATE = fileURLToPath(new URL('../../launchd/gwctl-agent.plist.in', import.meta.url));
export const SYSTEMD_TEMPLATE = fileURLToPath(new URL('../../systemd/gwctl-agent.service.in', import.meta.url));

export interface RenderInput {
  /** Absolute path of the node binary (process.execPath at install time). */
  node: string;
  /** Absolute path of bin/gwctl.js. */
  script: string;
  home: string;
  /** launchd: where stdout/stderr go (must exist). */
  logDir: string;
  /** Directories `install` created, recorded in the file so `uninstall` removes exactly those. */
  created: string[];
}

/** PATH for the agent: node's own directory first, then the system's. */
export function servicePath(node: string): string {
  const dirs = [dirname(node), '/usr/local/bin', '/opt/homebrew/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  return [...new Set(dirs)].join(':');
}

const CREATED_RE = /gwctl-created-dirs: (\[[^\n]*?\])/;

function createdNote(dirs: string[]): string {
  // JSON in a comment: a '--' would end an XML comment, so escape it.
  return `gwctl-created-dirs: ${JSON.stringify(dirs).replace(/--/g, '-\\u002d')}`;
}

/** The directories an installed service file says install created (for uninstall). */
export function createdDirs(text: string): string[] {
  const m = CREATED_RE.exec(text);
  if (!m?.[1]) return [];
  try {
    const v = JSON.parse(m[1]) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.startsWith('/')) : [];
  } catch {
    return [];
  }
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, k: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`service template: no value for {{${k}}}`);
    return v;
  });
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderPlist(template: string, r: RenderInput): string {
  for (const p of [r.node, r.script, r.home, r.logDir]) if (!p.startsWith('/')) throw new Error(`launchd needs absolute paths, got ${p}`);
  return fill(template, {
    LABEL: LAUNCHD_LABEL,
    NODE: xml(r.node),
    NODE_FLAGS: AGENT_NODE_FLAGS.map((f) => `    <string>${xml(f)}</string>\n`).join(''),
    SCRIPT: xml(r.script),
    HOME: xml(r.home),
    PATH: xml(servicePath(r.node)),
    OUTPUT_LOG: xml(join(r.logDir, AGENT_OUTPUT_LOG)),
    CREATED: createdNote(r.created),
  });
}

/** One ExecStart word: quoted, with systemd's specifiers (%) and variables ($) escaped. */
export function systemdWord(s: string): string {
  if (/[\n\r]/.test(s)) throw new Error('a path for the systemd unit contains a line break');
  const esc = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_./+-]+$/.test(s) ? esc : `"${esc}"`;
}

export function renderUnit(template: string, r: Omit<RenderInput, 'logDir'>): string {
  for (const p of [r.node, r.script]) if (!p.startsWith('/')) throw new Error(`systemd needs absolute paths, got ${p}`);
  return fill(template, {
    NODE: systemdWord(r.node),
    NODE_FLAGS: AGENT_NODE_FLAGS.map((f) => `${systemdWord(f)} `).join(''),
    SCRIPT: systemdWord(r.script),
    PATH_ENV: systemdWord(`PATH=${servicePath(r.node)}`),
    CREATED: createdNote(r.created),
  });
}

/** The node binary an installed service file runs (doctor checks it still exists). */
export function programOf(text: string, platform: 'darwin' | 'linux'): { node: string; script: string } | undefined {
  if (platform === 'darwin') {
    const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(text)?.[1] ?? '';
    const un = (s: string) =>
      s
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&');
    return nodeAndScript([...array.matchAll(/<string>([^<]*)<\/string>/g)].map((m) => un(m[1]!)));
  }
  const line = /^ExecStart=(.*)$/m.exec(text)?.[1];
  if (!line) return undefined;
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const w = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!.replace(/\\\\/g, '\\');
    words.push(w.replace(/%%/g, '%').replace(/\$\$/g, '$'));
  }
  return nodeAndScript(words);
}

/** `node [--flags…] script …` → node and script (node's own flags skipped). */
function nodeAndScript(words: string[]): { node: string; script: string } | undefined {
  const node = words[0];
  const script = words.slice(1).find((w) => !w.startsWith('-'));
  return node && script ? { node, script } : undefined;
}
