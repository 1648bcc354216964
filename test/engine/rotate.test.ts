/** Key rotation: a new key is written, the old one revoked, and restore still gives back the original. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { gwctlPaths } from '../../src/home/paths.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { KeySource } from '../../src/gateway/types.ts';
import { LedgerStore } from '../../src/engine/ledger.ts';
import { hashValue } from '../../src/formats/path.ts';
import { resolveGateway } from '../../src/gateway/index.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

const CONFIG = `# my codex\nmodel = "gpt-4o"\n\n[mcp_servers.docs]\ncommand = "npx"\nargs = ["-y", "docs-mcp"]\n`;

let h: TempHome;
let engine: Engine;
const minted: string[] = [];
const revoked: string[] = [];

beforeEach(() => {
  h = tempHome();
  mkdirSync(join(h.home, '.codex'));
  writeFileSync(join(h.home, '.codex', 'config.toml'), CONFIG);
  const { settings } = resolveGateway({ url: 'http://127.0.0.1:11580' }, h.env);
  // A key source that mints numbered keys and records revocations (the gateway's side of the contract).
  const keys: KeySource = {
    health: async () => {},
    models: async () => ['gpt-4o', 'qwen3-coder'],
    acquire: async (tool) => {
      const key = `sk-rotate-${minted.length + 1}`;
      minted.push(key);
      return { key, ref: { kind: 'test', id: `${tool}-${minted.length}` } };
    },
    release: async (_tool, ref) => {
      revoked.push(ref!.id!);
      return undefined;
    },
  };
  engine = new Engine({ home: h.home, env: h.env, stateDir: gwctlPaths({ home: h.home, env: h.env }).stateDir, gateway: settings, keys });
  minted.length = 0;
  revoked.length = 0;
});
afterEach(() => h.cleanup());

it('writes a new key, revokes the old one, and restore still gives back the original bytes', async () => {
  const path = join(h.home, '.codex', 'config.toml');
  expect((await engine.takeover('codex')).status).toBe('taken-over');
  expect(readFileSync(path, 'utf8')).toContain('sk-rotate-1');

  const r = await engine.rotate('codex');
  expect(r).toMatchObject({ action: 'rotated', status: 'taken-over' });
  const text = readFileSync(path, 'utf8');
  expect(text).toContain('sk-rotate-2');
  expect(text).not.toContain('sk-rotate-1');
  expect(revoked).toEqual(['codex-1']);
  const entry = (await new LedgerStore(gwctlPaths({ home: h.home, env: h.env }).stateDir).load()).tools.codex!;
  expect(entry.keyHash).toBe(hashValue('sk-rotate-2'));
  expect(entry.keyRef).toEqual({ kind: 'test', id: 'codex-2' });
  expect(JSON.stringify(entry)).not.toContain('sk-rotate');

  expect((await engine.restore('codex')).action).toBe('restored');
  expect(readFileSync(path, 'utf8')).toBe(CONFIG);
  expect(revoked).toEqual(['codex-1', 'codex-2']);
});

it('refuses a tool gwctl has not taken over, minting nothing', async () => {
  const r = await engine.rotate('codex');
  expect(r.action).toBe('refused');
  expect(r.error).toMatch(/not taken over by gwctl; take it over first/);
  expect(minted).toEqual([]);
});
