/**
 * `gwctl usage [TOOL|NAME…] [--since 24h|7d|DATE] [--json]`: requests, tokens in/out and spend per
 * taken-over tool and per named key, as the gateway reports them for that key (LiteLLM, new-api,
 * Bifrost). A kind that cannot say answers "usage is not available from <kind>" on that row,
 * never zeros. Keys appear as their alias, never their value.
 */
import { failure, usageError } from '../errors.ts';
import type { Io } from '../../shared/io.ts';
import { rawCommand, type CliCommand } from '../command.ts';

const USAGE = `Usage:
  gwctl usage [TOOL|NAME…] [--since 24h|7d|DATE] [--json]

  Requests, tokens in/out and spend per taken-over tool and per named key (gwctl env NAME), as
  the gateway records them for that key. --since: 30m, 24h (default), 7d, 2w, or a date
  (2026-01-31, or an ISO time). LiteLLM counts whole UTC days; new-api and Bifrost the exact range.`;

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseSince(s: string, now: Date): Date | undefined {
  const rel = /^(\d{1,5})([mhdw])$/.exec(s);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNITS[rel[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const d = new Date(`${s}T00:00:00Z`);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

interface Row {
  id: string;
  key: string;
  requests: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  spend: number | null;
  currency: string | null;
  note?: string;
  unavailable?: string;
  error?: string;
}

export async function run(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const json = argv.includes('--json');
  const now = new Date();
  let since = new Date(now.getTime() - UNITS.h! * 24);
  let sinceText = '24h';
  const wanted: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') continue;
    if (a === '--since') {
      const v = argv[++i];
      const d = v ? parseSince(v, now) : undefined;
      if (!d || d > now) return usageError(io, 'usage', `--since takes 30m, 24h, 7d, 2w or a date (YYYY-MM-DD) in the past${v ? `, not '${v}'` : ''}`);
      since = d;
      sinceText = v!;
    } else if (a.startsWith('-')) {
      return usageError(io, 'usage', `unknown option ${a}`);
    } else {
      wanted.push(a);
    }
  }
  try {
    const [{ keysContext, selectKeys, elsewhere }, { renderTable }] = await Promise.all([import('../../engine/keys.ts'), import('../table.ts')]);
    const { gateway: gw, keys } = await keysContext(io.env);
    const { selected, unknown } = selectKeys(keys, wanted);
    if (unknown.length)
      return usageError(
        io,
        'usage',
        `no key for ${unknown.map((u) => `'${u}'`).join(', ')} (taken-over tools and named keys: ${keys.map((k) => k.id).join(', ') || 'none'})`,
      );
    const rows: Row[] = [];
    for (const k of selected) {
      const row: Row = { id: k.id, key: k.alias ?? 'gateway.key', requests: null, tokensIn: null, tokensOut: null, spend: null, currency: null };
      const other = elsewhere(k, gw);
      const api = gw.kind.keys;
      if (k.interrupted) row.unavailable = 'usage is not available: an interrupted mint (see gwctl keys)';
      else if (other) row.unavailable = `usage is not available here: ${other}`;
      else if (!api?.usage || !k.ref)
        row.unavailable = `usage is not available from ${gw.kind.id}${k.ref ? '' : ' (a configured key, not one gwctl minted per tool)'}`;
      else {
        try {
          const u = await api.usage(gw.client(), { ref: k.ref, key: k.key, since, until: now, ...(gw.userId ? { userId: gw.userId } : {}) });
          Object.assign(
            row,
            { requests: u.requests, tokensIn: u.tokensIn, tokensOut: u.tokensOut, spend: u.spend, currency: u.currency },
            u.note ? { note: u.note } : {},
          );
        } catch (e) {
          row.error = gw.client().scrub((e as Error).message);
          if (k.key) row.error = row.error.split(k.key).join('…redacted');
        }
      }
      rows.push(row);
    }
    if (json) {
      io.out(JSON.stringify({ since: since.toISOString(), gateway: { kind: gw.kind.id, url: gw.settings.root }, tools: rows }, null, 2));
    } else if (!rows.length) {
      io.out('no keys: no tool is taken over and no named key exists (gwctl takeover TOOL, gwctl env NAME)');
    } else {
      const fmt = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'));
      const money = (r: Row) => (r.spend === null ? '—' : `${r.spend.toFixed(4)} ${r.currency ?? ''}`.trim());
      io.out(`usage since ${since.toISOString()} (${sinceText}) on ${gw.kind.label} at ${gw.settings.root}`);
      io.out(
        renderTable(
          ['TOOL', 'KEY', 'REQUESTS', 'TOKENS IN', 'TOKENS OUT', 'SPEND'],
          rows.map((r) =>
            r.unavailable || r.error
              ? [r.id, r.key, r.unavailable ?? `error: ${r.error}`]
              : [r.id, r.key, fmt(r.requests), fmt(r.tokensIn), fmt(r.tokensOut), money(r)],
          ),
        ),
      );
      for (const r of rows) if (r.note) io.out(`  ${r.id}: ${r.note}`);
    }
    return rows.some((r) => r.error) ? 1 : 0;
  } catch (e) {
    return failure(io, 'usage', e);
  }
}

export const command: CliCommand = rawCommand('usage', 'requests, tokens and spend per tool and named key, as the gateway reports them', USAGE, run);
