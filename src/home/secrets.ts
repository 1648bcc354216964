/**
 * gwctl's secrets: `<configDir>/secrets.json`, mode 0600 in a 0700 directory, written atomically.
 * Holds the gateway admin credential, the configured key and the named keys (`namedKeys`, see
 * gateway/named-keys.ts), never read from argv and never printed. A file others can read is
 * refused (like ssh does with private keys).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { checkPrivateFile, ensurePrivateDir } from './private.ts';
import { BoundedReadError, readBounded } from '../shared/read.ts';
import { registerSecret } from '../shared/redact.ts';
import { withWriterLock } from './lock.ts';
import { gwctlPaths, homeFrom } from './paths.ts';
import { join } from 'node:path';

export const SECRET_NAMES = ['gateway.adminKey', 'gateway.key'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export function isSecretName(s: string): s is SecretName {
  return (SECRET_NAMES as readonly string[]).includes(s);
}

export function secretsPath(configDir: string): string {
  return join(configDir, 'secrets.json');
}

type SecretsData = Record<string, unknown>;

function load(configDir: string): SecretsData {
  const path = secretsPath(configDir);
  checkPrivateFile(path, "gwctl's secrets");
  let text: string;
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0) {
      throw new Error(`${path}: readable by other users (mode 0${(st.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\` and rotate the keys in it`);
    }
    const read = readBounded(path, { noFollow: true });
    if (!read) return {};
    text = read.bytes.toString('utf8');
  } catch (e) {
    if (e instanceof BoundedReadError) throw new Error(e.message);
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
  registerStored(data);
  return data as SecretsData;
}

/** Every key stored here is masked by value in anything gwctl prints or logs (shared/redact). */
function registerStored(v: unknown, name?: string): void {
  if (typeof v === 'string') {
    if (name === undefined || name === 'key' || isSecretName(name)) registerSecret(v);
    return;
  }
  if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'string' || k === 'key' || isSecretName(k)) registerStored(x, k);
}

function save(configDir: string, data: SecretsData): void {
  ensurePrivateDir(configDir, "gwctl's settings directory");
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
  const raw = load(configDir)[name];
  const v = typeof raw === 'string' ? raw.trim() : '';
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

/** A structured section of the secrets file (e.g. `namedKeys`); undefined when absent. */
export function readSecretSection(configDir: string, section: string): unknown {
  return load(configDir)[section];
}

/** Replace a structured section (read-modify-write; hold `withSecretsLock` around it). */
export function writeSecretSection(configDir: string, section: string, value: unknown): void {
  const data = load(configDir);
  if (value === undefined) delete data[section];
  else data[section] = value;
  save(configDir, data);
}

/**
 * Run `fn` holding gwctl's writer lock (home/lock.ts: `<stateDir>/writer.lock`, the HOME's in
 * `env`): the one lock every writer of tool configs, the ledger and gwctl's settings and secrets
 * takes, so that two gwctl processes asking for the same named key mint it once and a named key
 * stored beside `gwctl config set gateway.key` never loses either write (they took two different
 * locks before). Re-entrant within one call chain; a kernel-released lock.
 */
export async function withSecretsLock<T>(configDir: string, env: Readonly<Record<string, string | undefined>>, fn: () => Promise<T>): Promise<T> {
  ensurePrivateDir(configDir, "gwctl's settings directory");
  const { stateDir } = gwctlPaths({ home: homeFrom(env), env });
  ensurePrivateDir(stateDir, "gwctl's state directory");
  return withWriterLock(stateDir, env, fn);
}
