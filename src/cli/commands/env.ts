/**
 * `gwctl env [NAME] [--shell bash|zsh|fish|powershell|dotenv|json] [--write PATH]`: the variables
 * that point a program or SDK at the gateway, with the named key NAME (default `env`; minted once,
 * kept in gwctl's 0600 secrets store). Printed for `eval "$(gwctl env)"` (fish: `gwctl env | source`),
 * or written into a project's `.env` (`--write`; `gwctl restore --env PATH` takes them out again).
 */
import { gwctlPaths, homeFrom } from '../../home/paths.ts';
import { SHELLS, exportLines, shellFromEnv, type Shell } from '../../shared/shell.ts';
import { failure, usageError } from '../errors.ts';
import type { Io } from '../../shared/io.ts';
import { rawCommand, type CliCommand } from '../command.ts';

export const FORMATS = [...SHELLS, 'dotenv', 'json'] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `Usage:
  gwctl env [NAME] [--shell bash|zsh|fish|powershell|dotenv|json]
  gwctl env [NAME] --write PATH       write the variables into a .env file (a .bak first, mode 0600)
  gwctl restore --env PATH            take them out of that file again

  NAME is the key's name (default: env): gwctl mints gwctl-NAME-<host> once on gateways with a key
  API (litellm, new-api, bifrost) and reuses it; other kinds use the configured key.
  The default shell comes from $SHELL.

  bash/zsh:    eval "$(gwctl env)"
  fish:        gwctl env --shell fish | source
  PowerShell:  gwctl env --shell powershell | Invoke-Expression`;

export interface EnvArgs {
  name: string;
  rest: string[];
}

/** `[NAME]` then the options; NAME is the first argument that is not an option. */
export function splitName(args: string[], optionsWithValue: readonly string[]): EnvArgs | string {
  let name: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (optionsWithValue.includes(a)) {
      rest.push(a, args[++i] ?? '');
    } else if (a.startsWith('-')) {
      rest.push(a);
    } else if (name === undefined) {
      name = a;
    } else {
      return `unexpected '${a}'`;
    }
  }
  return { name: name ?? 'env', rest };
}

function render(vars: Array<[string, string]>, format: Format): string {
  if (format === 'json') return JSON.stringify(Object.fromEntries(vars), null, 2);
  if (format === 'dotenv') return vars.map(([n, v]) => `${n}=${dotenvQuote(v)}`).join('\n');
  return exportLines(vars, format as Shell);
}

/** dotenv's quoting: single quotes are literal; double quotes expand only `\n`. */
function dotenvQuote(v: string): string {
  if (!/['\n\r]/.test(v)) return `'${v}'`;
  if (!/["\n\r]/.test(v) && !v.includes('\\n')) return `"${v}"`;
  if (!/[`\n\r]/.test(v)) return `\`${v}\``;
  throw new Error('a value holds quotes of every kind or a line break; dotenv cannot hold it');
}

export async function run(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const parsed = splitName(argv, ['--shell', '--write']);
  if (typeof parsed === 'string') return usageError(io, 'env', parsed);
  let format: Format | undefined;
  let write: string | undefined;
  for (let i = 0; i < parsed.rest.length; i++) {
    const a = parsed.rest[i]!;
    if (a === '--shell') {
      const v = parsed.rest[++i]!;
      if (!(FORMATS as readonly string[]).includes(v)) return usageError(io, 'env', `--shell takes one of ${FORMATS.join(', ')}`);
      format = v as Format;
    } else if (a === '--write') {
      write = parsed.rest[++i];
      if (!write) return usageError(io, 'env', '--write needs a PATH');
    } else {
      return usageError(io, 'env', `unknown option ${a}`);
    }
  }
  if (write && format) return usageError(io, 'env', '--write writes a .env file; give --shell or --write, not both');
  try {
    const home = homeFrom(io.env);
    const paths = gwctlPaths({ home, env: io.env });
    const [{ envFor, KEY_VARS }, { checkKeyName }] = await Promise.all([import('../../gateway/env-vars.ts'), import('../../gateway/named-keys.ts')]);
    checkKeyName(parsed.name);
    const e = await envFor(paths.configDir, io.env, parsed.name);
    if (e.warning) io.err(`gwctl env: warning: ${e.warning}`);
    if (e.minted)
      io.err(
        `gwctl env: minted key '${e.alias}' on ${e.gateway.kind.label} at ${e.gateway.settings.root} (kept in gwctl's secrets; revoke with \`gwctl keys revoke ${parsed.name}\`)`,
      );
    if (write) {
      const { writeEnvFile } = await import('../../engine/env-file.ts');
      const notes = await writeEnvFile(write, {
        stateDir: paths.stateDir,
        cwd: process.cwd(),
        name: parsed.name,
        alias: e.alias,
        gatewayRoot: e.gateway.settings.root,
        vars: e.vars,
        secret: (n) => KEY_VARS.has(n as never),
      });
      for (const n of notes) io.out(n);
      return 0;
    }
    // The key is what this command is for: printed through the output edge unmasked.
    (io.secretOut ?? io.out)(render(e.vars, format ?? shellFromEnv(io.env.SHELL)));
    return 0;
  } catch (err) {
    return failure(io, 'env', err);
  }
}

export const command: CliCommand = rawCommand('env', 'print (or --write into a .env) the variables that point programs and SDKs at the gateway', USAGE, run);
