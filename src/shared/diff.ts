/**
 * A line diff for people: `-`/`+`/` ` lines with a few lines of context around each change,
 * `@@` between distant hunks. Longest common subsequence over lines; the files it is used on
 * (tool configs) are small, and a file over MAX_CELLS compared lines is shown as removed/added
 * whole rather than compared. Pure; no gwctl dependencies.
 */

export interface DiffLine {
  kind: ' ' | '-' | '+' | '@';
  text: string;
}

const MAX_CELLS = 4_000_000;

function split(text: string): string[] {
  if (text === '') return [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Every line of `a` and `b` in order, each marked kept, removed or added. */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = split(a);
  const y = split(b);
  if (x.length * y.length > MAX_CELLS) return [...x.map((text) => ({ kind: '-' as const, text })), ...y.map((text) => ({ kind: '+' as const, text }))];
  // lcs[i][j]: length of the LCS of x[i..] and y[j..], one row at a time from the end.
  const rows: Uint32Array[] = [];
  for (let i = x.length; i >= 0; i--) {
    const row = new Uint32Array(y.length + 1);
    const below = rows[0];
    if (i < x.length && below) {
      for (let j = y.length - 1; j >= 0; j--) row[j] = x[i] === y[j] ? below[j + 1]! + 1 : Math.max(below[j]!, row[j + 1]!);
    }
    rows.unshift(row);
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      out.push({ kind: ' ', text: x[i]! });
      i++;
      j++;
    } else if (i < x.length && (j === y.length || rows[i + 1]![j]! >= rows[i]![j + 1]!)) {
      out.push({ kind: '-', text: x[i]! });
      i++;
    } else {
      out.push({ kind: '+', text: y[j]! });
      j++;
    }
  }
  return out;
}

/** The changed lines with `context` kept lines around each; `@@` marks skipped stretches. */
export function diffHunks(a: string, b: string, context = 2): DiffLine[] {
  const all = diffLines(a, b);
  const keep = new Array<boolean>(all.length).fill(false);
  all.forEach((l, n) => {
    if (l.kind === ' ') return;
    for (let k = Math.max(0, n - context); k <= Math.min(all.length - 1, n + context); k++) keep[k] = true;
  });
  const out: DiffLine[] = [];
  let skipped = false;
  all.forEach((l, n) => {
    if (keep[n]) {
      if (skipped && out.length) out.push({ kind: '@', text: '…' });
      skipped = false;
      out.push(l);
    } else {
      skipped = true;
    }
  });
  return out;
}
