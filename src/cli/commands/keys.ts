/**
 * `gwctl keys`: the virtual keys gwctl minted (tool, kind, alias or id, created, the gateway
 * that minted them), read from the ledger, and the ones still waiting to be revoked
 * ('revoke-pending'). `gwctl keys revoke (ALIAS|--pending)` tries those again now. The ledger
 * never holds a key, so neither does this output.
 */
import { gwctlPaths, homeFrom } from '../../home/paths.ts';
import { TOOL_IDS } from '../../adapters/types.ts';
import { LedgerStore } from '../../engine/ledger.ts';
import { redact } from '../../shared/redact.ts';
import type { Io } from '../../shared/io.ts';

const USAGE = `Usage:
  gwctl keys [--json]                 the keys gwctl minted per tool (alias or id, created, gateway),
                                      and the ones whose revocation is pending; never the keys themselves
  gwctl keys revoke (ALIAS|--pending) revoke a pending key now (by its alias or id), or every pending key`;

export async function run(args: string[], io: Io): Promise<number> {
  if (args[0] === 'revoke') return revoke(args.slice(1), io);
  const json = args.includes('--json');
  const other = args.find((a) => a !== '--json');
  if (other === '--help' || other === '-h') {
    io.out(USAGE);
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
        minted.push({ tool, state: e.state === 'applied' ? 'in-use' : e.state, kind: ref.kind, ...(ref.alias ? { alias: ref.alias } : {}), ...(ref.id ? { id: ref.id } : {}), created: e.takenOverAt, gateway: ref.gateway ?? e.gatewayRoot });
      } else {
        configured.push(tool);
      }
    }
    for (const p of ledger.pending) {
      const ref = p.keyRef;
      minted.push({ tool: p.tool, state: 'revoke-pending', kind: ref.kind, ...(ref.alias ? { alias: ref.alias } : {}), ...(ref.id ? { id: ref.id } : {}), created: p.minted, gateway: ref.gateway ?? '', since: p.since, error: p.error });
    }
    if (json) {
      io.out(JSON.stringify({ keys: minted, configuredKey: configured }, null, 2));
      return 0;
    }
    if (!minted.length) {
      io.out('gwctl has minted no keys (none of the taken-over tools uses a key gwctl created).');
    } else {
      // A LiteLLM id is the key's 64-hex hash: shortened here (the alias names it).
      const short = (id: string | undefined) => (!id ? '—' : id.length > 16 ? `${id.slice(0, 12)}…` : id);
      const rows = minted.map((k) => [k.tool, k.kind, k.alias ?? '—', short(k.id), k.created, k.gateway || '—', k.state]);
      const header = ['TOOL', 'KIND', 'ALIAS', 'ID', 'CREATED', 'GATEWAY', 'STATE'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
      io.out([line(header), ...rows.map(line)].join('\n'));
    }
    const pending = ledger.pending.length;
    if (pending) io.out(`${pending} key${pending === 1 ? '' : 's'} could not be revoked yet (revoke-pending): gwctl retries when the gateway answers; now: gwctl keys revoke --pending`);
    if (configured.length) io.out(`using the configured key (not minted, never revoked by gwctl): ${configured.join(', ')}`);
    return 0;
  } catch (e) {
    io.err(`gwctl keys: ${(e as Error).message}`);
    return 1;
  }
}

async function revoke(args: string[], io: Io): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  if (rest.length !== 1 || rest[0] === '--help' || rest[0] === '-h') {
    io.err(`gwctl keys revoke: give one alias (or id), or --pending\n${USAGE}`);
    return rest[0] === '--help' || rest[0] === '-h' ? 0 : 2;
  }
  const which = rest[0]!;
  try {
    const home = homeFrom(io.env);
    const paths = gwctlPaths({ home, env: io.env });
    const store = new LedgerStore(paths.stateDir);
    const ledger = await store.load();
    if (which !== '--pending' && !ledger.pending.some((p) => p.keyRef.alias === which || p.keyRef.id === which)) {
      const inUse = Object.values(ledger.tools).find((e) => e?.keyRef?.alias === which || e?.keyRef?.id === which);
      io.err(
        inUse
          ? `gwctl keys revoke: '${which}' is the key ${inUse.tool} uses now; run gwctl restore ${inUse.tool} (or gwctl rotate ${inUse.tool})`
          : `gwctl keys revoke: no pending key named '${which}' (gwctl keys lists them)`,
      );
      return 1;
    }
    const [{ Engine }, { configuredGateway }] = await Promise.all([import('../../engine/engine.ts'), import('../../gateway/index.ts')]);
    const { settings, keys } = configuredGateway(paths.configDir, io.env);
    const engine = new Engine({ home, env: io.env, stateDir: paths.stateDir, gateway: settings, keys });
    const notes = await engine.retryPending(which === '--pending' ? undefined : { key: which });
    const left = (await store.load()).pending.filter((p) => which === '--pending' || p.keyRef.alias === which || p.keyRef.id === which).length;
    if (json) io.out(JSON.stringify({ notes, pending: left }, null, 2));
    else {
      if (!notes.length) io.out('no key is waiting to be revoked');
      for (const n of notes) io.out(n);
    }
    return left ? 1 : 0;
  } catch (e) {
    io.err(`gwctl keys revoke: ${redact((e as Error).message)}`);
    return 1;
  }
}
