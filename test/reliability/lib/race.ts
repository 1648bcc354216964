/**
 * Concurrent writers: a takeover (and a restore) in this process while another process rewrites
 * the same file every 1–10 ms. Counts the races (a foreign write landed while the operation ran)
 * and how each ended: written at the first try, written after re-reading (compare-and-swap
 * caught the change), gave up with a clear error, or a write was lost.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { startLiteLLM } from '../../helpers/gateways/litellm.ts';
import { gwctl } from '../../helpers/run.ts';
import { fixtureCases, NODE, recordOutput, registerKeys, seedCase } from './common.ts';

export interface RaceStats {
  ops: number;
  /** Operations during which at least one foreign write landed. */
  races: number;
  firstTry: number;
  afterRetry: number;
  retries: number;
  gaveUp: number;
  /** Other errors (e.g. a torn in-place write read as unparseable), by message shape. */
  otherErrors: Record<string, number>;
  writerWrites: number;
  /** Foreign writes overwritten by gwctl with older content (lost). */
  writerLost: number;
  /** Takeovers that reported success but whose slot the writer's own read-modify-write dropped. */
  slotDroppedByWriter: number;
  /** Final file does not hold the writer's last write (lost at the end). */
  lastWriteLost: number;
  /** Rounds after which the user's own settings were gone from the file. */
  userSettingsLost: number;
  /** Outcomes per writer interval (ms). */
  byInterval: Record<string, { ops: number; races: number; firstTry: number; afterRetry: number; gaveUp: number }>;
  /** Outcomes per tool and command (e.g. 'codex takeover'). */
  byOp: Record<string, { firstTry: number; afterRetry: number; gaveUp: number; other: number }>;
  errors: string[];
  ms: number;
}

const TARGETS = [
  { tool: 'claude-code', name: 'hooks-plugins', rel: '.claude/settings.json', format: 'json' as const, userMark: '"hooks"' },
  { tool: 'codex', name: 'daily-driver', rel: '.codex/config.toml', format: 'toml' as const, userMark: 'Synced from dotfiles' },
];

export async function races(opts: { rounds: number; intervals?: number[] }): Promise<RaceStats> {
  const t0 = performance.now();
  const intervals = opts.intervals ?? [1, 2, 5, 10, 25];
  const gw = await startLiteLLM();
  registerKeys([gw.masterKey]);
  const env = { GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey };
  // Count attempts: each ConcurrentWriteError the engine retries calls these again.
  const proto = Engine.prototype as unknown as { takeoverOnce: (...a: unknown[]) => unknown; restoreOnce: (...a: unknown[]) => unknown };
  const takeoverOnce = vi.spyOn(proto, 'takeoverOnce');
  const restoreOnce = vi.spyOn(proto, 'restoreOnce');
  const s: RaceStats = {
    ops: 0,
    races: 0,
    firstTry: 0,
    afterRetry: 0,
    retries: 0,
    gaveUp: 0,
    otherErrors: {},
    writerWrites: 0,
    writerLost: 0,
    slotDroppedByWriter: 0,
    lastWriteLost: 0,
    userSettingsLost: 0,
    byInterval: {},
    byOp: {},
    errors: [],
    ms: 0,
  };
  const cases = fixtureCases();
  try {
    for (let r = 0; r < opts.rounds; r++) {
      const target = TARGETS[r % TARGETS.length]!;
      const interval = intervals[Math.floor(r / TARGETS.length) % intervals.length]!;
      const how = r % 3 === 2 ? 'inplace' : 'rename';
      const h = await seedCase(
        cases.find((c) => c.tool === target.tool && c.name === target.name)!,
        env,
      );
      const file = join(h.home, target.rel);
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, target.format === 'json' ? text.replace('{', '{\n  "raceCounter": 0,') : `race_counter = 0\n${text}`);
      const writer = spawn(NODE, ['--no-warnings', join(import.meta.dirname, 'writer.ts'), file, target.format, String(interval), how], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      writer.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((res) => writer.stdout.once('data', () => res()));
      await new Promise((res) => setTimeout(res, 3 * interval));
      const windows: Array<[number, number]> = [];
      const bucket = (s.byInterval[`${interval}ms`] ??= { ops: 0, races: 0, firstTry: 0, afterRetry: 0, gaveUp: 0 });
      let tookOver = false;
      for (const [cmd, spy] of [
        ['takeover', takeoverOnce],
        ['restore', restoreOnce],
      ] as const) {
        // A restore after a takeover that gave up has nothing to do (and would count as a race won).
        if (cmd === 'restore' && !tookOver) continue;
        takeoverOnce.mockClear();
        restoreOnce.mockClear();
        const start = performance.timeOrigin + performance.now();
        const res = await gwctl([cmd, target.tool, '--json'], h.env);
        windows.push([start, performance.timeOrigin + performance.now()]);
        recordOutput(res.stdout + res.stderr);
        s.ops++;
        bucket.ops++;
        const attempts = spy.mock.calls.length;
        const op = (s.byOp[`${target.tool} ${cmd}`] ??= { firstTry: 0, afterRetry: 0, gaveUp: 0, other: 0 });
        const report = JSON.parse(res.stdout).tools[0] as { error?: string; action?: string };
        if (res.code === 0) {
          if (cmd === 'takeover') tookOver = true;
          if (attempts > 1) (s.afterRetry++, bucket.afterRetry++, op.afterRetry++);
          else (s.firstTry++, bucket.firstTry++, op.firstTry++);
          s.retries += attempts - 1;
          if (cmd === 'takeover') {
            // Did the writer's own read-modify-write (from a read before ours) drop our slot?
            await new Promise((res) => setTimeout(res, 3 * interval + 5));
            const st = await gwctl(['status', target.tool, '--json'], h.env);
            if (JSON.parse(st.stdout).tools[0].status !== 'taken-over') s.slotDroppedByWriter++;
          }
        } else if (
          /changed by another program|is empty \(0 bytes\).*run the command again|is still .* after the takeover .*gwctl's change was rolled back/.test(
            report.error ?? '',
          )
        ) {
          // All clean give-ups: the second is the file caught mid-rewrite (truncated, not yet written);
          // the third, the writer's rewrite (from its read before ours) landing between our write and
          // the check that follows every takeover, which then rolls gwctl's change back and says so.
          s.gaveUp++;
          bucket.gaveUp++;
          op.gaveUp++;
        } else {
          const shape = (report.error ?? res.stderr)
            .replace(/^\/\S+/, '<file>')
            .replace(/\d+/g, 'N')
            .slice(0, 120);
          s.otherErrors[shape] = (s.otherErrors[shape] ?? 0) + 1;
          op.other++;
        }
      }
      writer.kill('SIGTERM');
      await new Promise((res) => writer.on('close', res));
      const w = JSON.parse(out.split('\n').filter(Boolean).pop()!) as { writes: number; lost: number; last: number; times: number[] };
      s.writerWrites += w.writes;
      s.writerLost += w.lost;
      for (const [a, b] of windows) {
        if (w.times.some((t) => t >= a && t <= b)) (s.races++, bucket.races++);
      }
      const final = readFileSync(file, 'utf8');
      let counter: number | undefined;
      try {
        counter = target.format === 'json' ? (JSON.parse(final) as { raceCounter?: number }).raceCounter : Number(/^race_counter = (\d+)$/m.exec(final)?.[1]);
      } catch {
        counter = undefined;
      }
      if (w.last >= 0 && counter !== w.last) s.lastWriteLost++;
      // The user's own settings must survive whatever happened (a torn read taken as an empty file
      // would drop them: see race-window.test.ts).
      if (!final.includes(target.userMark)) {
        s.userSettingsLost++;
        s.errors.push(`${target.tool} ${how} ${interval}ms: the user's settings are gone (file now ${final.length} bytes)`);
      }
    }
  } finally {
    takeoverOnce.mockRestore();
    restoreOnce.mockRestore();
    registerKeys([...gw.keys.values()].map((k) => k.key));
    await gw.close();
    s.ms = Math.round(performance.now() - t0);
  }
  return s;
}
