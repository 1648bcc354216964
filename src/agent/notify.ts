/**
 * Desktop notifications, best-effort: node-notifier (loaded on first use, never on the CLI
 * path). Linux: notify-send over the D-Bus session; macOS: terminal-notifier, and `osascript`
 * where that cannot run (Apple Silicon without Rosetta, not allowed).
 *
 * - Never throws, never crashes the agent: a missing notify-send, no D-Bus session or a refusal
 *   is logged once (per reason) and otherwise ignored.
 * - Rate-limited: one notification per kind and subject per {@link NotifierOptions.perSubjectMs},
 *   and at most {@link NotifierOptions.burst} of any kind per minute, so a flapping file cannot
 *   spam. What was held back is counted into the next one that goes out.
 * - The `notify` setting turns them off: `false` (all), `true` (all on), or per kind, e.g.
 *   `{"drift": false}` or `{"enabled": true, "gateway-up": false}`.
 */
import { redact } from '../shared/redact.ts';
import { visible } from '../shared/terminal.ts';
import { NOTIFICATIONS, type AgentEvent, type NotifyKind } from '../ipc/schema.ts';
import type { NotifySetting } from '../home/settings.ts';
import type { AgentLog } from './log.ts';

export type Notify = (title: string, message: string, kind: NotifyKind) => void;

interface NodeNotifier {
  notify(opts: { title: string; message: string; wait?: boolean; 'app-name'?: string }, cb?: (err: Error | string | null) => void): void;
}

export interface NotifierOptions {
  platform?: NodeJS.Platform;
  now?: () => number;
  /** Minimum gap between two notifications with the same kind and title (default 60 s). */
  perSubjectMs?: number;
  /** At most this many notifications per minute in all (default 6). */
  burst?: number;
  /** How node-notifier is loaded (tests inject a failing one). */
  load?: () => Promise<NodeNotifier>;
  /** Environment for the osascript fallback (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Called after each delivery attempt (tests). */
  onResult?: (r: { title: string; message: string; ok: boolean; via: 'node-notifier' | 'osascript' | 'none'; error?: string }) => void;
}

export function kindEnabled(setting: NotifySetting | undefined, kind: NotifyKind): boolean {
  if (setting === undefined || setting === true) return true;
  if (setting === false) return false;
  if (setting.enabled === false) return false;
  return setting[kind] !== false;
}

/** The notification an agent event deserves, if any (the table beside the event types). */
export function notificationFor(e: AgentEvent, toolName: string = e.tool ?? 'a tool'): { kind: NotifyKind; title: string; message: string } | undefined {
  if (!(e.type in NOTIFICATIONS)) return undefined;
  const kind = e.type as NotifyKind;
  const n = NOTIFICATIONS[kind](e, toolName);
  return n ? { kind, ...n } : undefined;
}

/** Send the notification an event deserves through `notify`. */
export function notifyEvent(notify: Notify, e: AgentEvent, toolName?: string): void {
  const n = notificationFor(e, toolName);
  if (n) notify(n.title, n.message, n.kind);
}

const MINUTE = 60_000;

export function makeNotifier(log: AgentLog, enabled: () => NotifySetting | undefined, opts: NotifierOptions = {}): Notify {
  const platform = opts.platform ?? process.platform;
  const now = opts.now ?? Date.now;
  const perSubjectMs = opts.perSubjectMs ?? MINUTE;
  const burst = opts.burst ?? 6;
  const load = opts.load ?? (() => import('node-notifier').then((m) => ((m as { default?: unknown }).default ?? m) as NodeNotifier));
  let loaded: Promise<NodeNotifier> | undefined;
  const lastSent = new Map<string, number>();
  const held = new Map<string, number>();
  const recent: number[] = [];
  const reported = new Set<string>();

  /** Log a failure once per reason; repeats go to debug. */
  const failed = (what: string, error: string) => {
    // exec errors start with "Command failed: <command line>": the line after it says why.
    const why =
      error
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('Command failed:'))[0] ?? 'failed without a message';
    const missing = /not found: notify-send|notify-send must be installed/.test(error);
    const reason = missing ? 'notify-send: not installed (Debian/Ubuntu: apt install libnotify-bin)' : `${what}: ${why.slice(0, 200)}`;
    if (reported.has(reason)) return log.debug('desktop notification failed again', { reason });
    reported.add(reason);
    log.warn(
      platform === 'darwin'
        ? 'desktop notifications are not working (allow notifications for terminal-notifier/Script Editor in System Settings, or set notify to false)'
        : 'desktop notifications are not working (install libnotify-bin and run a notification daemon in a D-Bus session, or set notify to false)',
      { reason },
    );
  };
  const result = (r: Parameters<NonNullable<NotifierOptions['onResult']>>[0]) => {
    try {
      opts.onResult?.(r);
    } catch {
      // a test hook must not break delivery
    }
  };

  const deliver = (title: string, message: string) => {
    loaded ??= load();
    loaded.then(
      (n) => {
        try {
          n.notify({ title, message, wait: false }, (err) => {
            // node-notifier passes stderr text as the "error" even on success; empty means fine.
            if (!err) return result({ title, message, ok: true, via: 'node-notifier' });
            const error = typeof err === 'string' ? err : err.message;
            if (platform === 'darwin') return osascript(title, message, error);
            failed('notify-send', error);
            result({ title, message, ok: false, via: 'node-notifier', error });
          });
        } catch (e) {
          failed('node-notifier', (e as Error).message);
          result({ title, message, ok: false, via: 'node-notifier', error: (e as Error).message });
        }
      },
      (e: Error) => {
        if (platform === 'darwin') return osascript(title, message, e.message);
        failed('node-notifier could not load', e.message);
        result({ title, message, ok: false, via: 'none', error: e.message });
      },
    );
  };

  const osascript = (title: string, message: string, first: string) => {
    const q = (s: string) => JSON.stringify(s.replace(/[\u0000-\u001f]/g, ' '));
    try {
      // Loaded here, on macOS's fallback path, not with the agent.
      const { execFile } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
      execFile('osascript', ['-e', `display notification ${q(message)} with title ${q(title)}`], { env: opts.env ?? process.env, timeout: 10_000 }, (err) => {
        if (!err) return result({ title, message, ok: true, via: 'osascript' });
        failed('terminal-notifier and osascript', `${first}; ${err.message}`);
        result({ title, message, ok: false, via: 'osascript', error: err.message });
      });
    } catch (e) {
      failed('osascript', (e as Error).message);
    }
  };

  return (title, message, kind) => {
    try {
      const k = kind;
      if (!kindEnabled(enabled(), k)) return;
      const t = now();
      const subject = `${k}\u0000${title}`;
      const last = lastSent.get(subject);
      while (recent.length && t - recent[0]! >= MINUTE) recent.shift();
      if ((last !== undefined && t - last < perSubjectMs) || recent.length >= burst) {
        held.set(subject, (held.get(subject) ?? 0) + 1);
        log.debug('notification held back (rate limit)', { kind: k, title });
        return;
      }
      lastSent.set(subject, t);
      recent.push(t);
      const n = held.get(subject) ?? 0;
      held.delete(subject);
      // Outside text (a gateway's message, a path) reaches the desktop shown, never obeyed.
      deliver(visible(redact(title)), visible(redact(n ? `${message} (${n} similar held back)` : message)));
    } catch (e) {
      failed('notifier', (e as Error).message);
    }
  };
}
