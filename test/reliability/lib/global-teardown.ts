/**
 * The reliability run keeps every temp HOME until zz-secrets.test.ts has scanned it and removed
 * the lot. When only some files ran (`npm run test:reliability -- test/reliability/socket.test.ts`),
 * nothing scans them: remove them here so a partial run leaves nothing in the temp dir.
 * GWCTL_RELIABILITY_KEEP=1 keeps them for a look.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';

export function teardown(): void {
  const runDir = process.env.GWCTL_RELIABILITY_DIR;
  if (!runDir || !existsSync(runDir) || process.env.GWCTL_RELIABILITY_KEEP === '1') return;
  const homesFile = `${runDir}/homes.jsonl`;
  const homes = existsSync(homesFile) ? readFileSync(homesFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { home: string }).home) : [];
  for (const home of homes) rmSync(home, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
  console.log(`reliability: the secrets scan did not run (a subset of files); removed ${homes.length} temp homes and ${runDir} (GWCTL_RELIABILITY_KEEP=1 keeps them)`);
}
