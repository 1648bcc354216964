/**
 * What `gwctl ui` shows, as lines of styled segments for a given terminal size: header, tool
 * table, detail pane or help, status line, footer. Pure (state in, lines out), so the layout
 * at 80×24 and the colour-free output under NO_COLOR do not depend on the terminal library.
 */
import type { Status } from '../adapters/types.ts';
import { RECENT_MS, statusLabel, type Row, type State, type Tone } from './controller.ts';

export type Color = 'green' | 'yellow' | 'red' | 'cyan' | 'blue' | 'magenta' | 'gray';

export interface Segment {
  text: string;
  color?: Color;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
export type Line = Segment[];

export interface ViewOptions {
  columns: number;
  rows: number;
  home: string;
  now: number;
  /** NO_COLOR: no colours (bold, dim and inverse stay: they are not colour). */
  noColor: boolean;
}

const STATUS_COLOR: Record<Status, Color> = {
  'taken-over': 'green',
  'other-address': 'yellow',
  'not-taken-over': 'cyan',
  'not-detected': 'gray',
};

const TONE_COLOR: Record<Tone, Color | undefined> = { info: undefined, ok: 'green', warn: 'yellow', error: 'red', busy: 'cyan' };

export const MARK = { drift: '!', suspended: '‖', recent: '●', auto: '↻' } as const;

export function tilde(path: string, home: string): string {
  return path.startsWith(home + '/') ? '~' + path.slice(home.length) : path === home ? '~' : path;
}

/** Cut to `width` characters, ending in `…` when cut. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}

/** Cut from the left (a path keeps its file name). */
function fitLeft(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : '…' + chars.slice(chars.length - width + 1).join('');
}

function pad(text: string, width: number): string {
  const t = fit(text, width);
  return t + ' '.repeat(Math.max(0, width - [...t].length));
}

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** An address for the table: without its scheme when the terminal is narrow (the detail pane has it whole). */
function displayAddress(a: string | null, columns: number): string {
  if (!a) return '—';
  return columns < 110 ? a.replace(/^https?:\/\//, '') : a;
}

/**
 * The columns of the tool table for a terminal `columns` wide: name, status and markers fixed;
 * the address as wide as the longest one but at most 55% of what is left; the config the rest.
 */
export function tableWidths(columns: number, longestAddress = 7) {
  const name = 11;
  const status = 25;
  const marks = 3;
  // "› " + name + " " + status + " " + marks + " " + address + " " + config
  const rest = Math.max(10, columns - (2 + name + 1 + status + 1 + marks + 1 + 1));
  // Below 72 columns the address goes (the detail pane has it): the file is the more useful.
  const address = columns < 72 ? 0 : Math.max(7, Math.min(longestAddress, Math.floor(rest * 0.55)));
  return { name, status, marks, address, config: Math.max(5, rest - address) };
}

function rowMarks(row: Row, s: State, now: number): string {
  const m = s.marks[row.id];
  const drift = m?.ledger === 'applied' && row.status !== 'taken-over' && row.status !== null;
  return [
    m?.suspended ? MARK.suspended : drift ? MARK.drift : ' ',
    row.changedAt !== undefined && now - row.changedAt < RECENT_MS ? MARK.recent : ' ',
    m?.autoReapply ? MARK.auto : ' ',
  ].join('');
}

function header(s: State, o: ViewOptions): Line[] {
  const g = s.gateway;
  const gw: Line = [{ text: 'gwctl ui', bold: true }, { text: '   gateway ' }];
  if (g === 'checking') gw.push({ text: 'checking…', dim: true });
  else if ('error' in g && !('kind' in g)) gw.push({ text: `unknown: ${g.error}`, color: 'red' });
  else {
    gw.push({ text: `${g.kind} ${g.url}  ` });
    if (g.healthy) gw.push({ text: 'healthy', color: 'green' }, { text: g.latencyMs !== null ? ` ${g.latencyMs} ms` : '' });
    else gw.push({ text: 'not answering', color: 'red', bold: true });
  }
  const a = s.agent;
  const agent: Line = s.connected
    ? [
        { text: `agent pid ${a.pid}, up ${duration(o.now - Date.parse(a.startedAt))}`, dim: true },
        { text: `   ${a.socket}`, dim: true },
      ]
    : [{ text: 'agent: not connected (reconnecting…)', color: 'red', bold: true }];
  return [gw, agent];
}

function table(s: State, o: ViewOptions, height: number): Line[] {
  const w = tableWidths(o.columns, Math.max(0, ...s.rows.map((r) => displayAddress(r.address, o.columns).length)));
  const address = w.address ? `${pad('ADDRESS', w.address)} ` : '';
  const head: Line = [{ text: `  ${pad('TOOL', w.name)} ${pad('STATUS', w.status)} ${' '.repeat(w.marks)} ${address}CONFIG`, bold: true }];
  const lines: Line[] = [head];
  const visible = Math.max(1, height - 1);
  const first = Math.min(Math.max(0, s.selected - visible + 1), Math.max(0, s.rows.length - visible));
  s.rows.slice(first, first + visible).forEach((row, i) => {
    const selected = first + i === s.selected;
    const inv = selected ? { inverse: true } : {};
    const label = row.status === null ? 'Unknown (error)' : statusLabel(row.status);
    const color: Color = row.status === null ? 'red' : STATUS_COLOR[row.status];
    lines.push([
      { text: selected ? '› ' : '  ', bold: true, ...inv },
      { text: pad(row.name, w.name) + ' ', ...inv },
      { text: pad(label, w.status), color, bold: row.status === 'taken-over', ...inv },
      { text: ' ' + rowMarks(row, s, o.now) + ' ', color: 'yellow', bold: true, ...inv },
      ...(w.address ? [{ text: pad(displayAddress(row.address, o.columns), w.address) + ' ', ...inv }] : []),
      { text: fitLeft(tilde(row.configPath, o.home), w.config), dim: !selected, ...inv },
    ]);
  });
  if (s.rows.length === 0) lines.push([{ text: '  reading the tools…', dim: true }]);
  return lines;
}

const KEYS: Array<[string, string]> = [
  ['↑↓', 'move'],
  ['t', 'take over'],
  ['r', 'restore'],
  ['T/R', 'all'],
  ['o', 'rotate'],
  ['d', 'detail'],
  ['w', 'auto'],
  ['?', 'help'],
  ['q', 'quit'],
];

function footer(s: State, o: ViewOptions): Line {
  if (s.view !== 'list')
    return [{ text: '↑↓', bold: true }, { text: ' scroll  ' }, { text: 'Esc', bold: true }, { text: ' back  ' }, { text: 'q', bold: true }, { text: ' quit' }];
  // The least needed go first when the terminal is narrow (q quit stays).
  const keys = [...KEYS];
  const width = () => keys.reduce((n, [k, what]) => n + k.length + 1 + what.length + 2, -2);
  for (const drop of ['↑↓', 'T/R', 'o', 'w', '?'])
    if (width() > o.columns)
      keys.splice(
        keys.findIndex(([k]) => k === drop),
        1,
      );
  return keys.flatMap(([k, what], i): Line => [{ text: k, bold: true }, { text: ` ${what}${i < keys.length - 1 ? '  ' : ''}` }]);
}

/** The status line: a question, the last message (wrapped, up to 3 lines) or the marker legend. */
function statusLines(s: State, columns: number): Line[] {
  if (!s.confirm && !s.message)
    return [[{ text: `${MARK.drift} drifted  ${MARK.suspended} re-apply suspended  ${MARK.recent} just changed  ${MARK.auto} auto re-apply`, dim: true }]];
  const style: Omit<Segment, 'text'> = s.confirm
    ? { color: 'yellow', bold: true }
    : { ...(TONE_COLOR[s.message!.tone] ? { color: TONE_COLOR[s.message!.tone]! } : {}), bold: s.message!.tone === 'error' };
  const text = s.confirm ? s.confirm.text : (s.message!.tone === 'busy' ? '… ' : '') + s.message!.text;
  return wrap(text, columns, 3).map((t) => [{ text: t, ...style }]);
}

/** Words to lines of at most `width` characters; the last of `max` lines ends in … when cut. */
export function wrap(text: string, width: number, max: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (cur && [...cur].length + 1 + [...word].length > width) {
      lines.push(cur);
      cur = word;
    } else {
      cur = cur ? `${cur} ${word}` : word;
    }
  }
  if (cur) lines.push(cur);
  if (lines.length > max) return [...lines.slice(0, max - 1), fit(lines.slice(max - 1).join(' '), width)];
  return lines.map((l) => fit(l, width));
}

export function helpLines(): Line[] {
  const k = (key: string, what: string): Line => [{ text: '  ' + key.padEnd(12), bold: true }, { text: what }];
  return [
    [{ text: 'Keys', bold: true }],
    k('↑ ↓  j k', 'select a tool'),
    k('t', 'take the tool over (asks before --force when it is on another address)'),
    k('r', 'restore it (its files byte-identical when nothing else changed them)'),
    k('T  R', 'take over / restore every tool (asks first)'),
    k('o', 'rotate its key (a new key; the old one is revoked)'),
    k('d  Enter', 'details: ledger edits, .bak, doctor, dry run of a takeover'),
    k('w', 'auto re-apply on/off for the tool (the autoReapply setting)'),
    k('?', 'this help'),
    k('q  Esc  ^C', 'quit'),
    [],
    [{ text: 'Markers', bold: true }],
    k(MARK.drift, 'drifted: taken over, but the config no longer points here'),
    k(MARK.suspended, 're-apply suspended by the loop guard (take over or restore to resume)'),
    k(MARK.recent, 'changed in the last few seconds'),
    k(MARK.auto, 'auto re-apply is on for this tool'),
    [],
    [{ text: 'The rows follow the agent: an edit by another program shows up without a key press.', dim: true }],
  ];
}

export function detailLines(s: State, o: ViewOptions): Line[] {
  const d = s.detail;
  if (!d) return [];
  const row = s.rows.find((r) => r.id === d.tool);
  const out: Line[] = [];
  const h = (text: string): void => void out.push([], [{ text, bold: true }]);
  const t = (p: string) => tilde(p, o.home);
  out.push([
    { text: row?.name ?? d.tool, bold: true },
    { text: '  ' },
    { text: row ? statusLabel(row.status) : '', color: row?.status ? STATUS_COLOR[row.status] : 'red' },
  ]);
  out.push([{ text: `  config   ${row ? t(row.configPath) : '?'}` }]);
  out.push([{ text: `  address  ${row?.address ?? '—'}` }]);
  if (d.error) {
    out.push([], [{ text: `  ${d.error}`, color: 'red' }]);
  } else if (!d.data) {
    out.push([], [{ text: '  reading…', dim: true }]);
  } else {
    const data = d.data;
    out.push([{ text: `  auto re-apply ${data.marks.autoReapply ? 'on' : 'off'}${data.marks.suspended ? ', suspended by the loop guard' : ''}` }]);
    h('What gwctl wrote (the ledger; keys redacted)');
    if (!data.ledger) out.push([{ text: '  nothing: gwctl has no takeover on record for this tool', dim: true }]);
    else {
      const l = data.ledger;
      const key = l.keyRef
        ? (l.keyRef.alias ?? l.keyRef.id)
          ? ` key ${l.keyRef.alias ?? l.keyRef.id} (${l.keyRef.kind})`
          : ` the configured ${l.keyRef.kind} key`
        : '';
      out.push([{ text: `  ${l.state} ${l.takenOverAt.replace('T', ' ').slice(0, 19)} → ${l.gatewayRoot},${key}` }]);
      for (const f of l.files) {
        out.push([{ text: `  ${t(f.path)}${f.created ? ' (created by the takeover)' : ''}`, bold: true }]);
        for (const e of f.edits) out.push([{ text: `    ${e.slot}: `, color: 'cyan' }, { text: `${e.before} → ${e.now}` }]);
      }
    }
    h('Backups');
    if (!data.backups.length) out.push([{ text: '  no .bak', dim: true }]);
    for (const b of data.backups)
      out.push([{ text: `  ${t(b.path)}  ${b.bytes} bytes${b.ours ? ' (gwctl made it: the file before the first takeover)' : ' (not made by gwctl)'}` }]);
  }
  h('Doctor');
  if (d.findingsError) out.push([{ text: `  ${d.findingsError}`, color: 'red' }]);
  else if (!d.findings) out.push([{ text: '  checking…', dim: true }]);
  else if (!d.findings.length) out.push([{ text: '  no findings for this tool', dim: true }]);
  else {
    const mark = { ok: ['ok  ', 'green'], info: ['note', 'cyan'], warn: ['warn', 'yellow'], error: ['FAIL', 'red'] } as const;
    for (const f of d.findings) {
      out.push([{ text: `  ${mark[f.severity][0]}  `, color: mark[f.severity][1], bold: true }, { text: f.title }]);
      if (f.fix && f.severity !== 'ok') out.push([{ text: `        fix: ${f.fix}`, dim: true }]);
    }
  }
  const plan = d.data?.plan;
  if (plan) {
    h('Dry run: what t would write (the key is a placeholder; nothing was written or minted)');
    if (plan.error) out.push([{ text: `  ${plan.error}`, color: 'red' }]);
    if (plan.refused) out.push([{ text: `  ${plan.refused}`, dim: true }]);
    for (const n of plan.notes) out.push([{ text: `  note: ${n}`, dim: true }]);
    for (const f of plan.files) {
      out.push([{ text: `  ${t(f.path)}${f.created ? ' (new file)' : ''}`, bold: true }]);
      for (const l of f.diff) {
        const color: Color | undefined = l.kind === '+' ? 'green' : l.kind === '-' ? 'red' : l.kind === '@' ? 'magenta' : undefined;
        out.push([{ text: `  ${l.kind} ${l.text}`, ...(color ? { color } : {}), ...(l.kind === ' ' ? { dim: true } : {}) }]);
      }
    }
  } else if (d.data && row?.status === 'not-detected') {
    h('Dry run');
    out.push([{ text: '  not detected: nothing to take over until the tool is installed', dim: true }]);
  }
  return out;
}

/** The whole screen: exactly `rows` lines (fewer only when the terminal is tiny). */
export function screen(s: State, o: ViewOptions): Line[] {
  return layout(s, o).lines;
}

/** The screen, and how far the detail pane or help can scroll at this size. */
export function layout(s: State, o: ViewOptions): { lines: Line[]; maxScroll: number } {
  let maxScroll = 0;
  const top = header(s, o);
  const bottom: Line[] = [...statusLines(s, o.columns), footer(s, o)];
  const middleHeight = Math.max(1, o.rows - top.length - bottom.length - 1);
  let middle: Line[];
  if (s.view === 'list') {
    middle = table(s, o, middleHeight);
  } else {
    const all = s.view === 'help' ? helpLines() : detailLines(s, o);
    maxScroll = Math.max(0, all.length - middleHeight);
    const from = Math.min(s.scroll, maxScroll);
    middle = all.slice(from, from + middleHeight);
    if (maxScroll > 0) {
      const more = `${from + 1}-${Math.min(all.length, from + middleHeight)} of ${all.length}`;
      bottom[bottom.length - 1] = [...bottom.at(-1)!, { text: `  ${more}`, dim: true }];
    }
  }
  while (middle.length < middleHeight) middle.push([]);
  const rule: Line = [{ text: '─'.repeat(Math.max(0, o.columns)), dim: true }];
  const lines = [...top, rule, ...middle, ...bottom];
  return { lines: (o.noColor ? lines.map((l) => l.map(({ color: _c, ...rest }) => rest)) : lines).map((l) => clip(l, o.columns)), maxScroll };
}

/** Cut a line to `columns` characters across its segments. */
function clip(line: Line, columns: number): Line {
  const out: Line = [];
  let left = columns;
  for (const seg of line) {
    if (left <= 0) break;
    const chars = [...seg.text];
    if (chars.length <= left) {
      out.push(seg);
      left -= chars.length;
    } else {
      out.push({ ...seg, text: chars.slice(0, Math.max(0, left - 1)).join('') + '…' });
      left = 0;
    }
  }
  return out;
}
