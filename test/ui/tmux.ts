/**
 * A real terminal for tests: a private tmux server (its own socket, no user config) running
 * `sh` in a window of a given size, driven with send-keys and read with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import { sleep } from '../agent/helpers.ts';

export function haveTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export class Tmux {
  private readonly socket: string;
  private readonly env: Record<string, string | undefined>;
  readonly target = 'ui';

  constructor(socket: string, env: Record<string, string | undefined>, { columns = 80, rows = 24 } = {}) {
    this.socket = socket;
    this.env = env;
    // -u: UTF-8 whatever the locale; -f /dev/null: no user config.
    this.tmux('-u', '-f', '/dev/null', 'new-session', '-d', '-x', String(columns), '-y', String(rows), '-s', this.target, 'sh');
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], { env: this.env as NodeJS.ProcessEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Keys as tmux names them (`Enter`, `Escape`, `Up`, `C-c`) or literal text with `literal`. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.target, ...keys);
  }

  /** Type a line into the shell and press Enter. */
  line(text: string): void {
    this.tmux('send-keys', '-t', this.target, '-l', text);
    this.keys('Enter');
  }

  /** The visible screen as text (`escapes`: with colour/attribute sequences). */
  screen({ escapes = false } = {}): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.target);
  }

  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', this.target, '-x', String(columns), '-y', String(rows));
  }

  /** Poll the screen until `pred` holds; throws with the last screen after `ms`. */
  async waitFor(pred: (screen: string) => boolean, what: string, ms = 15_000, pollMs = 40): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const s = this.screen();
      if (pred(s)) return s;
      if (Date.now() > end) throw new Error(`screen never showed ${what} within ${ms} ms; last screen:\n${s}`);
      await sleep(pollMs);
    }
  }

  /** The pid of the process below the pane's shell whose command line matches. */
  descendant(match: (args: string) => boolean): number {
    const procs = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
      .split('\n')
      .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
    const below = new Set([Number(this.tmux('list-panes', '-t', this.target, '-F', '#{pane_pid}').trim())]);
    for (let grew = true; grew;) {
      grew = false;
      for (const p of procs) if (below.has(p.ppid) && !below.has(p.pid)) (below.add(p.pid), (grew = true));
    }
    const hit = procs.find((p) => below.has(p.pid) && match(p.args));
    if (!hit) throw new Error('no such process in the terminal');
    return hit.pid;
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}
