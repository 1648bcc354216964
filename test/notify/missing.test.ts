/** No notify-send on PATH (libnotify-bin not installed): the real node-notifier reports it; logged once. */
import { afterAll, expect, it } from 'vitest';
import { makeNotifier } from '../../src/agent/notify.ts';
import { recordingLog, until } from './helpers.ts';

const savedPath = process.env.PATH;
afterAll(() => {
  process.env.PATH = savedPath;
});

it('a missing notify-send is logged once and never thrown', async () => {
  process.env.PATH = '/nonexistent-gwctl-bin';
  const log = recordingLog();
  const results: Array<{ ok: boolean; error?: string }> = [];
  const notify = makeNotifier(log, () => true, { platform: 'linux', onResult: (r) => results.push(r) });
  expect(() => notify('gwctl: gateway down', 'a', 'gateway-down')).not.toThrow();
  expect(() => notify('gwctl: Codex left the gateway', 'b', 'drift')).not.toThrow();
  await until(() => (results.length === 2 ? true : undefined), 5000, 'two failures');
  expect(results.every((r) => !r.ok)).toBe(true);
  const warns = log.lines.filter((l) => l.level === 'warn');
  expect(warns).toHaveLength(1);
  expect(warns[0]!.msg).toMatch(/install libnotify-bin/);
  expect(String(warns[0]!.extra?.reason)).toMatch(/notify-send/);
});
