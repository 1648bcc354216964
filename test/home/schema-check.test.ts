/**
 * The agent validates config.json with home/schema-check.ts instead of conf's ajv (issue 19:
 * conf and ajv stay out of the all-day process). Same schema, so the same verdicts: every case
 * here is judged by both, through their real entry points (conf via openSettings, the agent's
 * reader via CheckedSettings), on real files.
 */
import { chmodSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckedSettings, openSettings, settingsPath, SETTINGS_SCHEMA } from '../../src/home/settings.ts';
import { schemaViolation } from '../../src/home/schema-check.ts';

const root = mkdtempSync(join(tmpdir(), 'gwctl-schema-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function verdicts(value: unknown): Promise<{ conf: boolean; ours: boolean; ourError?: string }> {
  const dir = join(root, String(n++));
  const checked = new CheckedSettings(dir); // creates the dir 0700
  writeFileSync(settingsPath(dir), JSON.stringify(value), { mode: 0o600 });
  const conf = await openSettings(dir).then(
    () => true,
    () => false,
  );
  let ours = true;
  let ourError: string | undefined;
  try {
    checked.current();
  } catch (e) {
    ours = false;
    ourError = (e as Error).message;
  }
  return { conf, ours, ourError };
}

/** A small seeded generator (xorshift), so a failure names a case that can be run again. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const ODD_STRINGS = [
  '',
  ' ',
  'a',
  'claude-code',
  'Claude',
  '-x',
  'x-',
  'a b',
  'é',
  '😀',
  'x'.repeat(65),
  'x'.repeat(101),
  'http://127.0.0.1:11580',
  'https://x',
  'ftp://x',
  'http://a b',
  '123',
  '12a',
  'a\nb',
  'ok.name_1-2',
];
function anyValue(r: () => number, depth = 0): unknown {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  switch (Math.floor(r() * (depth > 1 ? 5 : 7))) {
    case 0:
      return r() < 0.5;
    case 1:
      return pick([0, 1, -1, 3, 5, 60, 61, 5000, 5001, 86400, 86401, 1.5, 2.0, 1e21]);
    case 2:
      return pick(ODD_STRINGS);
    case 3:
      return null;
    case 4:
      return pick([[], ['claude-code'], ['codex', 'codex'], ['BAD'], [1], ['a', 'b']]);
    case 5:
      return Array.from({ length: Math.floor(r() * 3) }, () => anyValue(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 3) }, () => [pick(['enabled', 'drift', 'Bad', 'x-y', 'url', 'models']), anyValue(r, depth + 1)]),
      );
  }
}

/** Values each key accepts, so about half of the generated files are valid. */
const GOOD: Record<string, unknown[]> = {
  autostart: [true, false],
  autoReapply: [true, false, [], ['codex'], ['claude-code', 'gemini-cli']],
  autoTakeoverNew: [false, ['kimi-code']],
  fallback: [true, ['codex']],
  notify: [true, false, { drift: false }, { enabled: false, 'new-tool': true }],
  debounceMs: [0, 5, 5000],
  reapplyPerMinute: [1, 60],
  gatewayCheckSeconds: [0, 86400],
  fallbackAfterSeconds: [1, 60],
  fallbackReturnSeconds: [30],
  url: ['http://127.0.0.1:11580', 'https://gw.example.com/v1'],
  kind: ['servbay', 'litellm'],
  providerId: ['servbay', 'My_GW.2'],
  displayName: ['ServBay AI Gateway', 'é'],
  defaultModel: ['gpt-4o'],
  models: [['gpt-4o'], []],
  userId: ['1', '007'],
};
const value = (r: () => number, key: string): unknown => (r() < 0.7 && GOOD[key] ? GOOD[key][Math.floor(r() * GOOD[key].length)] : anyValue(r));

/** A settings object mostly shaped like the schema, with one or two values off. */
function settingsCase(r: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(SETTINGS_SCHEMA);
  for (const k of keys) if (k !== 'agent' && k !== 'gateway' && r() < 0.3) out[k] = value(r, k);
  if (r() < 0.5) {
    const agent: Record<string, unknown> = {};
    for (const k of Object.keys(SETTINGS_SCHEMA.agent.properties)) if (r() < 0.4) agent[k] = value(r, k);
    out.agent = agent;
  }
  if (r() < 0.5) {
    const gateway: Record<string, unknown> = {};
    for (const k of Object.keys(SETTINGS_SCHEMA.gateway.properties))
      if (r() < 0.4) gateway[k] = r() < 0.8 ? value(r, k) : ODD_STRINGS[Math.floor(r() * ODD_STRINGS.length)];
    out.gateway = gateway;
  }
  if (r() < 0.1) out.unknownKey = anyValue(r);
  return out;
}

describe("the agent's settings check agrees with conf's", () => {
  it('hand-picked cases, valid and not', async () => {
    const cases: Array<[unknown, boolean]> = [
      [{}, true],
      [{ autostart: false, autoReapply: ['claude-code', 'codex'], notify: { drift: false } }, true],
      [{ agent: { debounceMs: 0, reapplyPerMinute: 60, gatewayCheckSeconds: 0 } }, true],
      [{ gateway: { url: 'http://127.0.0.1:11580', kind: 'servbay', models: ['a', 'b'], userId: '42', providerId: 'my_gw.1' } }, true],
      [{ agent: { debounceMs: 5001 } }, false],
      [{ agent: { debounceMs: 2.5 } }, false],
      [{ agent: { reapplyPerMinute: 0 } }, false],
      [{ autoReapply: ['codex', 'codex'] }, false],
      [{ autoReapply: ['Codex'] }, false],
      [{ autoReapply: 'codex' }, false],
      [{ notify: { Drift: true } }, false],
      [{ notify: { drift: 'no' } }, false],
      [{ gateway: { url: 'ftp://x' } }, false],
      [{ gateway: { displayName: '' } }, false],
      [{ gateway: { providerId: 'x'.repeat(65) } }, false],
      [{ gateway: { models: ['a', 'a'] } }, false],
      [{ gateway: 'http://x' }, false],
    ];
    for (const [value, valid] of cases) {
      const v = await verdicts(value);
      expect({ value, ...v, ourError: undefined }).toEqual({ value, conf: valid, ours: valid, ourError: undefined });
    }
  });

  it('400 generated settings files get the same verdict from both', async () => {
    const seed = Number(process.env.GWCTL_SCHEMA_SEED) || 20261203;
    const r = rng(seed);
    let valid = 0;
    for (let i = 0; i < 400; i++) {
      const value = settingsCase(r);
      const v = await verdicts(value);
      expect({ seed, i, value, conf: v.conf }).toEqual({ seed, i, value, conf: v.ours });
      if (v.ours) valid++;
    }
    // Both verdicts are exercised.
    expect(valid).toBeGreaterThan(60);
    expect(valid).toBeLessThan(340);
  });

  it('a refusal names the file, the key and the rule, never the value', async () => {
    const v = await verdicts({ agent: { debounceMs: 99999 }, gateway: { displayName: 'sk-secret-value-123' } });
    expect(v.ourError).toMatch(/config\.json: gwctl's settings do not pass the schema \(\/agent\/debounceMs: must be <= 5000\); fix the file or delete it/);
    const w = await verdicts({ gateway: { url: 'sk-live-not-a-url' } });
    expect(w.ourError).toContain('/gateway/url: must match pattern');
    expect(w.ourError).not.toContain('sk-live-not-a-url');
  });

  it('a keyword the checker does not know is refused, not skipped', () => {
    expect(() => schemaViolation({ type: 'string', format: 'email' }, 'x')).toThrow(/keyword 'format' is not supported/);
  });

  it('the reader follows each change of the file (same size, same second included)', () => {
    const dir = join(root, 'follow');
    const s = new CheckedSettings(dir);
    expect(s.current().agent.debounceMs).toBe(5);
    writeFileSync(settingsPath(dir), '{"agent":{"debounceMs":7}}', { mode: 0o600 });
    expect(s.current().agent.debounceMs).toBe(7);
    writeFileSync(settingsPath(dir), '{"agent":{"debounceMs":8}}', { mode: 0o600 });
    utimesSync(settingsPath(dir), 1, 1);
    expect(s.current().agent.debounceMs).toBe(8);
    chmodSync(settingsPath(dir), 0o666);
    expect(() => s.current()).toThrow(/settings/);
  });
});
