/**
 * `gwctl keys`: the virtual keys gwctl minted (tool, kind, alias or id, created), read from the
 * ledger. The ledger never holds a key, so neither does this output.
 */
import { gwctlPaths, homeFrom } from '../../home/paths.ts';
import { TOOL_IDS } from '../../adapters/types.ts';
import { LedgerStore } from '../../engine/ledger.ts';
import type { Io } from '../../shared/io.ts';

export async function run(args: string[], io: Io): Promise<number> {
  const json = args.includes('--json');
  const other = args.find((a) => a !== '--json');
  if (other === '--help' || other === '-h') {
    io.out('Usage:\n  gwctl keys [--json]   the keys gwctl minted per tool (alias or id, created); never the keys themselves');
    return 0;
  }
  if (other !== undefined) {
    io.err(`gwctl keys: unexpected '${other}'\nRun 'gwctl keys --help' for usage.`);
    return 2;
  }
  try {
    const paths = gwctlPaths({ home: homeFrom(io.env), env: io.env });
    const ledger = await new LedgerStore(paths.stateDir).load();
    const minted = [];
    const configured: string[] = [];
    for (const tool of TOOL_IDS) {
      const e = ledger.tools[tool];
      if (!e) continue;
      const ref = e.keyRef;
      if (ref && (ref.alias || ref.id)) {
        minted.push({ tool, kind: ref.kind, ...(ref.alias ? { alias: ref.alias } : {}), ...(ref.id ? { id: ref.id } : {}), created: e.takenOverAt, gateway: e.gatewayRoot });
      } else {
        configured.push(tool);
      }
    }
    if (json) {
      io.out(JSON.stringify({ keys: minted, configuredKey: configured }, null, 2));
      return 0;
    }
    if (!minted.length) {
      io.out('gwctl has minted no keys (none of the taken-over tools uses a key gwctl created).');
    } else {
      const rows = minted.map((k) => [k.tool, k.kind, k.alias ?? '—', k.id ?? '—', k.created, k.gateway]);
      const header = ['TOOL', 'KIND', 'ALIAS', 'ID', 'CREATED', 'GATEWAY'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
      io.out([line(header), ...rows.map(line)].join('\n'));
    }
    if (configured.length) io.out(`using the configured key (not minted, never revoked by gwctl): ${configured.join(', ')}`);
    return 0;
  } catch (e) {
    io.err(`gwctl keys: ${(e as Error).message}`);
    return 1;
  }
}
