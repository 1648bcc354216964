/**
 * Every fixture case (test/fixtures/<tool>/<case>/home = a realistic HOME) goes through the real
 * engine on real files: takeover → status → takeover again → restore. Asserts the three promises:
 * restore gives back the byte-identical tree, a second takeover changes no byte, and the takeover
 * changed nothing outside the tool's slot (semantically).
 */
import { existsSync, readdirSync, readFileSync, lstatSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_IDS, type ToolId } from '../../src/adapters/index.ts';
import { adapterFor } from '../../src/adapters/index.ts';
import { editorFor } from '../../src/formats/index.ts';
import { deleteIn } from '../../src/formats/path.ts';
import { LedgerStore } from '../../src/engine/ledger.ts';
import { gwctlPaths, socketLocation } from '../../src/home/paths.ts';
import { startGateway, type FakeGateway } from '../helpers/gateway.ts';
import { seedHome, tempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const KEY = 'sk-gwctl-fixture-7f3a9c2e5b1d';

interface Case {
  tool: ToolId;
  name: string;
  dir: string;
  env: Record<string, string>;
  expect?: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const tool of TOOL_IDS) {
    const dir = join(FIXTURES, tool);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const caseDir = join(dir, name);
      if (!existsSync(join(caseDir, 'home'))) continue;
      const meta = existsSync(join(caseDir, 'case.json')) ? JSON.parse(readFileSync(join(caseDir, 'case.json'), 'utf8')) : {};
      out.push({ tool, name, dir: caseDir, env: meta.env ?? {}, expect: meta.expect });
    }
  }
  return out;
}

/** Every regular file below `root` (symlinks as their link text), excluding gwctl's own state. */
function snapshot(root: string, skip: (rel: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      const rel = relative(root, p);
      if (skip(rel)) continue;
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else
        out.set(
          rel,
          st.isSymbolicLink()
            ? `link:${readFileSync(p).toString('base64')}`
            : `${(statSync(p).mode & 0o777).toString(8)}:${readFileSync(p).toString('base64')}`,
        );
    }
  };
  walk(root);
  return out;
}

let gw: FakeGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());

const all = cases();

// Launch-only tools (Copilot CLI) have no config to take over, so no takeover fixtures.
describe.each(TOOL_IDS.filter((t) => !adapterFor(t).launchOnly).map((t) => [t]))('%s fixtures', (tool) => {
  it('has at least three realistic cases, one on another address', () => {
    const mine = all.filter((c) => c.tool === tool);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(mine.some((c) => c.expect === 'other-address')).toBe(true);
  });
});

describe.each(all.map((c) => [`${c.tool}/${c.name}`, c] as const))('%s', (_label, c) => {
  it('takeover → takeover again → restore: lossless and byte-identical', async () => {
    const h = tempHome();
    try {
      await seedHome(h.home, join(c.dir, 'home'));
      const env: Record<string, string> = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY };
      for (const [k, v] of Object.entries(c.env)) env[k] = v.replaceAll('$HOME', h.home);
      // gwctl's own files (ledger, logs, the agent's socket) are not the tools'.
      const own = [gwctlPaths({ home: h.home, env }).stateDir, socketLocation({ home: h.home, env }).dir].map((d) => relative(h.home, d));
      const skip = (rel: string) => own.some((d) => rel === d || rel.startsWith(d + '/')) || /\.bak(\.\d+)?$/.test(rel);
      const before = snapshot(h.home, skip);

      const status = await gwctl(['status', c.tool, '--json'], env);
      expect(status.code).toBe(0);
      const initial = status.json().tools[0]!;
      if (c.expect) expect(initial.status).toBe(c.expect);
      expect(initial.status).not.toBe('not-detected');

      let take = await gwctl(['takeover', c.tool, '--json'], env);
      if (initial.status === 'other-address') {
        expect(take.code).toBe(1);
        expect(take.json().tools[0]!.action).toBe('refused');
        expect(snapshot(h.home, skip)).toEqual(before);
        take = await gwctl(['takeover', c.tool, '--force', '--json'], env);
      }
      expect(take.stdout + take.stderr).not.toContain(KEY);
      expect(take.code, take.stdout + take.stderr).toBe(0);
      expect(take.json().tools[0]).toMatchObject({ id: c.tool, status: 'taken-over', action: 'taken-over' });
      const afterTake = snapshot(h.home, skip);

      // Nothing outside the slot changed: parse each touched file, drop the slot paths, compare.
      const ledger = await new LedgerStore(gwctlPaths({ home: h.home, env }).stateDir).load();
      const entry = ledger.tools[c.tool]!;
      expect(entry.state).toBe('applied');
      expect(JSON.stringify(ledger)).not.toContain(KEY);
      const specs = adapterFor(c.tool).locate({ home: h.home, env });
      for (const lf of entry.files) {
        const spec = specs.files.find((s) => s.role === lf.role)!;
        const ed = editorFor(spec.format);
        const oldText = lf.existedBefore ? Buffer.from(before.get(relative(h.home, lf.path))?.split(':')[1] ?? '', 'base64').toString('utf8') : '';
        const newText = readFileSync(lf.path, 'utf8');
        let a: unknown = ed.parse(oldText, lf.path);
        let b: unknown = ed.parse(newText, lf.path);
        for (const r of lf.records) {
          a = deleteIn(a as never, r.createdParent ?? r.path);
          b = deleteIn(b as never, r.createdParent ?? r.path);
        }
        expect(b).toEqual(a);
        if (newText.includes(KEY)) expect(statSync(lf.path).mode & 0o077, `${lf.path} holds a key`).toBe(0);
        if (lf.existedBefore) expect(readFileSync(lf.path + '.bak', 'utf8')).toBe(oldText);
      }

      const again = await gwctl(['takeover', c.tool, '--json'], env);
      expect(again.code).toBe(0);
      expect(again.json().tools[0]!.action).toBe('already-taken-over');
      expect(snapshot(h.home, skip)).toEqual(afterTake);

      const restore = await gwctl(['restore', c.tool, '--json'], env);
      expect(restore.code, restore.stdout + restore.stderr).toBe(0);
      expect(restore.stdout).not.toContain(KEY);
      expect(restore.json().tools[0]!.status).toBe(initial.status);
      expect(snapshot(h.home, skip)).toEqual(before);
    } finally {
      h.cleanup();
    }
  });
});

describe.each(all.map((c) => [`${c.tool}/${c.name}`, c] as const))('%s, edited by the user after takeover', (_label, c) => {
  it("restore removes only our slot and keeps the user's later edit", async () => {
    const h = tempHome();
    try {
      await seedHome(h.home, join(c.dir, 'home'));
      // In-process: every fixture already takes the agent's road in the test above; this one is
      // about restore keeping a later edit, and an agent per case would double the file's time.
      const env: Record<string, string> = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY, GWCTL_NO_AGENT: '1' };
      for (const [k, v] of Object.entries(c.env)) env[k] = v.replaceAll('$HOME', h.home);
      const take = await gwctl(['takeover', c.tool, '--force', '--json'], env);
      expect(take.code, take.stdout + take.stderr).toBe(0);
      const entry = (await new LedgerStore(gwctlPaths({ home: h.home, env }).stateDir).load()).tools[c.tool]!;
      const specs = adapterFor(c.tool).locate({ home: h.home, env });
      const lf = entry.files[0]!;
      const spec = specs.files.find((s) => s.role === lf.role)!;
      const ed = editorFor(spec.format);
      const userKey = spec.format === 'dotenv' ? 'GWCTL_TEST_USER_EDIT' : 'gwctl_test_user_edit';
      const original = lf.existedBefore ? readFileSync(lf.path + '.bak', 'utf8') : '';
      // The user (or the tool itself) changes something else in the file after the takeover.
      const { writeFileSync } = await import('node:fs');
      writeFileSync(lf.path, ed.set(readFileSync(lf.path, 'utf8'), [userKey], 'kept', lf.path));

      const restore = await gwctl(['restore', c.tool, '--json'], env);
      expect(restore.code, restore.stdout + restore.stderr).toBe(0);
      const restored = readFileSync(lf.path, 'utf8');
      expect(restored).not.toContain(KEY);
      expect(ed.parse(restored, lf.path)).toEqual(ed.parse(ed.set(original, [userKey], 'kept', lf.path), lf.path));
    } finally {
      h.cleanup();
    }
  });
});
