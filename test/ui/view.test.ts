/** view.ts: the screen for a given state and terminal size (pure). */
import { describe, expect, it } from 'vitest';
import { adapterFor } from '../../src/adapters/index.ts';
import { TOOL_IDS } from '../../src/adapters/index.ts';
import { initialState, type State } from '../../src/ui/controller.ts';
import { layout, MARK, type Line } from '../../src/ui/view.ts';

const NOW = Date.parse('2026-12-03T10:00:00Z');

function state(patch: Partial<State> = {}): State {
  const agent = {
    protocol: 1,
    version: '0.1.0',
    pid: 42,
    startedAt: new Date(NOW - 65_000).toISOString(),
    home: '/home/u',
    socket: '/run/gwctl/agent.sock',
    logFile: '',
    settingsFile: '',
    watching: {},
    subscribers: 1,
  };
  return {
    ...initialState(agent),
    rows: TOOL_IDS.map((id) => ({ id, name: adapterFor(id).name, status: 'not-taken-over', address: null, configPath: `/home/u/.${id}/config.json` })),
    gateway: { kind: 'servbay', url: 'http://127.0.0.1:11580', healthy: true, latencyMs: 3, models: 2 },
    ...patch,
  };
}

const text = (l: Line) => l.map((s) => s.text).join('');
const opts = (columns: number, rows: number, noColor = false) => ({ columns, rows, home: '/home/u', now: NOW, noColor });

describe('the screen', () => {
  it.each([
    [80, 24],
    [60, 15],
    [132, 40],
  ])('%i×%i: exactly that many lines, none wider, the quit key shown', (columns, rows) => {
    const { lines } = layout(state({ selected: 8 }), opts(columns, rows));
    expect(lines).toHaveLength(rows);
    for (const l of lines) expect([...text(l)].length).toBeLessThanOrEqual(columns);
    const all = lines.map(text).join('\n');
    expect(all).toContain('q quit');
    expect(all).toMatch(/› Crush/); // the selected row stays in view
    expect(all).toContain('agent pid 42, up 1m 5s');
    expect(all).toContain('~/.codex/config.json'.slice(-10));
  });

  it('markers: drifted, suspended, just changed, auto re-apply', () => {
    const s = state({
      rows: state().rows.map((r) => (r.id === 'codex' ? { ...r, changedAt: NOW - 1000 } : r.id === 'crush' ? { ...r, changedAt: NOW - 60_000 } : r)),
      marks: {
        'claude-code': { ledger: 'applied', suspended: false, autoReapply: true },
        codex: { ledger: null, suspended: false, autoReapply: false },
        'qwen-code': { ledger: 'applied', suspended: true, autoReapply: true },
      },
    });
    const rows = layout(s, opts(100, 24)).lines.map(text);
    const row = (name: string) => rows.find((l) => l.slice(2).startsWith(name))!;
    expect(row('Claude Code')).toContain(` ${MARK.drift} ${MARK.auto} `);
    expect(row('Qwen Code')).toContain(` ${MARK.suspended} ${MARK.auto} `);
    expect(row('Codex')).toContain(`  ${MARK.recent}  `);
    expect(row('Crush')).not.toContain(MARK.recent); // a minute ago is not "just"
  });

  it('NO_COLOR: no colour on any segment; the selection stays visible (inverse)', () => {
    const colored = layout(state(), opts(80, 24)).lines.flat();
    expect(colored.some((s) => s.color)).toBe(true);
    const plain = layout(state(), opts(80, 24, true)).lines.flat();
    expect(plain.some((s) => s.color)).toBe(false);
    expect(plain.some((s) => s.inverse)).toBe(true);
  });

  it('a long message wraps onto up to three lines; the screen keeps its height', () => {
    const long = 'Codex: ' + 'the gateway did not answer in time; '.repeat(12);
    const { lines } = layout(state({ message: { text: long, tone: 'error' } }), opts(80, 24));
    expect(lines).toHaveLength(24);
    const msg = lines.map(text).filter((l) => l.includes('gateway did not'));
    expect(msg).toHaveLength(3);
    expect(msg[2]).toMatch(/…$/);
    expect(text(lines.at(-1)!)).toContain('q quit');
  });

  it('the detail pane scrolls and says where it is', () => {
    const s = state({ view: 'help', scroll: 100 });
    const { lines, maxScroll } = layout(s, opts(80, 12));
    expect(maxScroll).toBeGreaterThan(0);
    expect(text(lines.at(-1)!)).toMatch(/of \d+$/);
  });
});
