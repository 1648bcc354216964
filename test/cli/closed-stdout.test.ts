/**
 * `gwctl doctor | head -1`: the reader of stdout goes away before gwctl writes. Every command must
 * end quietly (no "Unhandled 'error' event … EPIPE" stack trace) with the exit status it would have
 * had with a reader. Runs the built binary as users do, with stdout's read end closed at once.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempHome } from '../helpers/home.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'gwctl.js');
const home = tempHome('gwctl-epipe-');
afterAll(() => home.cleanup());

function runClosed(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...home.env, GWCTL_NO_AGENT: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first write
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed stdout', () => {
  for (const args of [['doctor'], ['config', 'list'], ['status', '--json'], ['gateway', 'status'], ['keys'], ['--help']]) {
    it(`gwctl ${args.join(' ')} ends quietly`, async () => {
      const r = await runClosed(args);
      expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
      expect(r.code).not.toBeNull();
      expect([0, 1]).toContain(r.code);
    });
  }
});
