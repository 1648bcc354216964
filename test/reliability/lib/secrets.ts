/**
 * The secrets scan: every key the tests minted (and the admin credentials) must appear nowhere
 * but in the tools' own config files: not in gwctl's ledger, state, logs, `.bak` copies, temp
 * files, nor in any CLI output (`--json`, tables, error messages). Config files that hold a key
 * must not be group- or world-readable.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { artifactDirs, outputsFile, registeredHomes, walk } from './common.ts';

export interface ScanResult {
  keys: number;
  files: number;
  bytes: number;
  /** Config files that hold a key (allowed), and those of them readable by group/others. */
  configsWithKey: number;
  looseConfigs: string[];
  hits: string[];
}

export function scanForSecrets(keys: string[]): ScanResult {
  const r: ScanResult = { keys: keys.length, files: 0, bytes: 0, configsWithKey: 0, looseConfigs: [], hits: [] };
  const check = (file: string, allowed: boolean) => {
    let text: string;
    try {
      text = readFileSync(file, 'latin1'); // byte-exact: keys are ASCII
    } catch {
      return;
    }
    r.files++;
    r.bytes += text.length;
    const found = keys.filter((k) => text.includes(k));
    if (!found.length) return;
    if (allowed) {
      r.configsWithKey++;
      if ((statSync(file).mode & 0o077) !== 0) r.looseConfigs.push(`${file} (mode ${(statSync(file).mode & 0o777).toString(8)})`);
    } else {
      r.hits.push(`${file}: ${found.length} key(s), e.g. ${found[0]!.slice(0, 6)}…`);
    }
  };
  const seen = new Set<string>();
  for (const { home, allowed } of registeredHomes()) {
    if (!existsSync(home)) continue;
    const ok = new Set(allowed);
    for (const f of walk(home)) {
      if (seen.has(f)) continue;
      seen.add(f);
      check(f, ok.has(f));
    }
  }
  for (const d of artifactDirs()) for (const f of walk(d)) if (!seen.has(f)) (seen.add(f), check(f, false));
  if (existsSync(outputsFile())) check(outputsFile(), false);
  return r;
}
