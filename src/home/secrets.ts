/**
 * gwctl's secrets: `<configDir>/secrets.json`, mode 0600 in a 0700 directory, written atomically.
 * Holds the gateway admin credential and the configured key, never read from argv and never
 * printed. A file others can read is refused (like ssh does with private keys).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_NAMES = ['gateway.adminKey', 'gateway.key'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export function isSecretName(s: string): s is SecretName {
  return (SECRET_NAMES as readonly string[]).includes(s);
}

export function secretsPath(configDir: string): string {
  return join(configDir, 'secrets.json');
}

function load(configDir: string): Record<string, string> {
  const path = secretsPath(configDir);
  let text: string;
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0) {
      throw new Error(`${path}: readable by other users (mode 0${(st.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\` and rotate the keys in it`);
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    if (code) throw new Error(`${path}: cannot read gwctl's secrets (${code}); check its owner and mode`);
    throw e;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${path}: gwctl's secrets are not valid JSON; delete the file and set them again (gwctl config set …)`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === 'string') out[k] = v;
  return out;
}

function save(configDir: string, data: Record<string, string>): void {
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  chmodSync(configDir, 0o700);
  const path = secretsPath(configDir);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw new Error(`${path}: cannot write gwctl's secrets (${(e as NodeJS.ErrnoException).code ?? 'error'}); check the directory's owner and mode`);
  }
}

export function readSecret(configDir: string, name: SecretName): string | undefined {
  const v = load(configDir)[name]?.trim();
  return v ? v : undefined;
}

export function writeSecret(configDir: string, name: SecretName, value: string): void {
  const v = value.trim();
  if (!v) throw new Error(`${name}: the value is empty; nothing was saved`);
  save(configDir, { ...load(configDir), [name]: v });
}

/** True when there was something to delete. */
export function deleteSecret(configDir: string, name: SecretName): boolean {
  const data = load(configDir);
  if (!(name in data)) return false;
  delete data[name];
  save(configDir, data);
  return true;
}
