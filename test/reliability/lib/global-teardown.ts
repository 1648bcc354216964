/**
 * The reliability run keeps every temp HOME until zz-secrets.test.ts has scanned it and removed
 * the lot. When only some files ran (`npm run test:reliability -- test/reliability/socket.test.ts`),
 * nothing scans them: remove them here so a partial run leaves nothing in the temp dir.
 * GWCTL_RELIABILITY_KEEP=1 keeps them for a look.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { markdownTable, writeDocSection } from '../../../scripts/doc-section.ts';
import type { Figure } from './common.ts';

/** GWCTL_WRITE_DOCS=1: the run's figures replace the `reliability-run` section of docs/reliability.md. */
export function writeReliabilityDocs(runDir: string): void {
  const file = join(runDir, 'figures.jsonl');
  if (process.env.GWCTL_WRITE_DOCS !== '1' || !existsSync(file)) return;
  const figures = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Figure);
  const md =
    `Written by \`GWCTL_WRITE_DOCS=1 npm run test:reliability\` on ${new Date().toISOString().slice(0, 10)} (${cpus().length} cores; ${figures.length} rows from the files that ran):\n\n` +
    markdownTable(
      ['row', 'what was tried', 'how many', 'what was lost', 'reproduce'],
      figures.map((f) => [f.row, f.tried, String(f.count), f.lost, `\`${f.command}\``]),
    );
  writeDocSection(join(import.meta.dirname, '..', '..', '..', 'docs', 'reliability.md'), 'reliability-run', md);
  console.log('reliability: wrote docs/reliability.md (reliability-run)');
}

export function teardown(): void {
  const runDir = process.env.GWCTL_RELIABILITY_DIR;
  if (runDir && existsSync(runDir)) writeReliabilityDocs(runDir);
  if (!runDir || !existsSync(runDir) || process.env.GWCTL_RELIABILITY_KEEP === '1') return;
  const homesFile = `${runDir}/homes.jsonl`;
  const homes = existsSync(homesFile)
    ? readFileSync(homesFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { home: string }).home)
    : [];
  for (const home of homes) rmSync(home, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
  console.log(
    `reliability: the secrets scan did not run (a subset of files); removed ${homes.length} temp homes and ${runDir} (GWCTL_RELIABILITY_KEEP=1 keeps them)`,
  );
}
