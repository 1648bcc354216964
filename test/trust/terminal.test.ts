/**
 * Text from outside reaches the terminal escaped (issue 18 §3): a gateway's error message, a
 * config value shown in the status table, a project's settings in `doctor`. `--json` keeps
 * the value, as JSON escapes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { doctor } from '../../src/cli/commands/doctor.ts';
import { safeIo } from '../../src/cli/main.ts';
import { visible } from '../../src/shared/terminal.ts';
import { ok, reply, serve } from '../helpers/gateways/server.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const EVIL = '\u001b]0;owned\u0007\u001b[2J\u001b[1A\u001b[2K\u009b31m\r';
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('control characters from outside are shown, never sent raw', () => {
  let h: TempHome;
  beforeEach(() => {
    h = tempHome();
  });
  afterEach(() => h.cleanup());

  it('visible() escapes C0, C1, DEL and bidi controls, keeps line breaks', () => {
    expect(visible(`a${EVIL}b\nc`)).toBe('a\\u001b]0;owned\\u0007\\u001b[2J\\u001b[1A\\u001b[2K\\u009b31m\\u000db\nc');
    expect(JSON.parse(`"${visible('x\u009by\u202ez')}"`)).toBe('x\u009by\u202ez');
  });

  it("a gateway's error message, in text and in --json", async () => {
    const fake = await serve([
      { name: 'live', method: 'GET', path: /^\/health\/liveliness$/, handle: () => ok("I'm alive!") },
      { name: 'models', method: 'GET', path: /^\/v1\/models$/, handle: () => ok({ object: 'list', data: [{ id: 'gpt-4o' }] }) },
      { name: 'generate', method: 'POST', path: /^\/key\/generate$/, handle: () => reply(400, { error: { message: `quota ${EVIL} exceeded` } }) },
    ]);
    try {
      mkdirSync(join(h.home, '.codex'));
      const env = { ...h.env, GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_URL: fake.url, GWCTL_GATEWAY_ADMIN_KEY: 'sk-master-0123456' };
      const text = await gwctl(['takeover', 'codex'], env);
      expect(text.code).toBe(1);
      expect(text.stderr).toMatch(/quota .*owned.* exceeded/);
      expect(text.stdout + text.stderr).not.toMatch(RAW);
      const json = await gwctl(['takeover', 'codex', '--json'], env);
      expect(json.stdout).not.toMatch(RAW);
      expect(json.json().tools[0]!.error).toContain('owned');
    } finally {
      await fake.close();
    }
  });

  it('a config value in the status table, and in --json (where it round-trips)', async () => {
    mkdirSync(join(h.home, '.claude'));
    const url = `http://10.0.0.1:4000/${EVIL}`;
    writeFileSync(join(h.home, '.claude', 'settings.json'), JSON.stringify({ env: { ANTHROPIC_BASE_URL: url } }));
    const text = await gwctl(['status', 'claude-code'], h.env);
    expect(text.stdout).toContain('10.0.0.1:4000');
    expect(text.stdout).not.toMatch(RAW);
    const json = await gwctl(['status', 'claude-code', '--json'], h.env);
    expect(json.stdout).not.toMatch(RAW);
    expect(json.json().tools[0]!.address).toBe(url);
  });

  it("doctor: a cloned project's .claude/settings.json", async () => {
    mkdirSync(join(h.home, '.claude'));
    writeFileSync(
      join(h.home, '.claude', 'settings.json'),
      JSON.stringify({ env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:11580', ANTHROPIC_AUTH_TOKEN: 'sk-x-0123456' } }),
    );
    const project = join(h.home, 'src', 'cloned');
    mkdirSync(join(project, '.claude'), { recursive: true });
    mkdirSync(join(project, '.git'));
    writeFileSync(join(project, '.claude', 'settings.json'), JSON.stringify({ env: { ANTHROPIC_BASE_URL: `http://evil.example/${EVIL}` } }));
    let out = '';
    const io = safeIo({ out: (s) => (out += s + '\n'), err: (s) => (out += s + '\n'), env: { ...h.env, GWCTL_NO_AGENT: '1' } });
    await doctor({ json: false }, io, { cwd: project, serviceStatus: async () => ({ installed: false }) as never });
    expect(out).toContain('evil.example');
    expect(out).not.toMatch(RAW);
  });
});
