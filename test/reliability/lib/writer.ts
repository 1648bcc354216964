/**
 * A tool rewriting its own config every few milliseconds (as Claude Code and Codex do), run as
 * a separate process: read, bump a counter, write (atomically via rename, or in place). Before
 * each write it checks the counter it reads is the one it last wrote: if not, someone wrote an
 * older version over its write (a lost write). On SIGTERM it prints its figures as JSON.
 * Usage: node writer.ts <file> <json|toml> <intervalMs> <rename|inplace>
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const [file, format, intervalArg, how] = process.argv.slice(2) as [string, 'json' | 'toml', string, 'rename' | 'inplace'];
const interval = Number(intervalArg);
let last = -1;
let n = 0;
let writes = 0;
let lost = 0;
let unreadable = 0;
const times: number[] = [];

function counterOf(text: string): number | undefined {
  if (format === 'json') {
    try {
      return (JSON.parse(text) as { raceCounter?: number }).raceCounter;
    } catch {
      return undefined;
    }
  }
  const m = /^race_counter = (\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

function step(): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    unreadable++;
    return;
  }
  const seen = counterOf(text);
  if (seen === undefined) {
    unreadable++;
    return;
  }
  if (last >= 0 && seen !== last) lost++;
  n = Math.max(n, seen) + 1;
  let out: string;
  if (format === 'json') {
    const obj = JSON.parse(text) as Record<string, unknown>;
    obj.raceCounter = n;
    out = JSON.stringify(obj, null, 2) + '\n';
  } else {
    out = text.replace(/^race_counter = \d+$/m, `race_counter = ${n}`);
  }
  if (how === 'rename') {
    const tmp = `${file}.writer-${process.pid}.tmp`;
    writeFileSync(tmp, out);
    renameSync(tmp, file);
  } else {
    writeFileSync(file, out);
  }
  last = n;
  writes++;
  times.push(performance.timeOrigin + performance.now());
}

const timer = setInterval(step, interval);
process.on('SIGTERM', () => {
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ writes, lost, unreadable, last, times }) + '\n', () => process.exit(0));
});
process.stdout.write('ready\n');
