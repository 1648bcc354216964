/**
 * `gwctl keys`: the virtual keys gwctl holds (one per taken-over tool, from the ledger; the named
 * keys of `gwctl env NAME` and launch, from the secrets store) with their state from a live check
 * (active, rejected, revoke-pending, unknown) and when they were last used, where the gateway
 * says. `gwctl keys revoke NAME` revokes a named key. Never the keys themselves.
 */
import type { Io } from '../../shared/io.ts';
import { rawCommand, type CliCommand } from '../command.ts';
import { failure } from '../errors.ts';

const USAGE = `Usage:
  gwctl keys [--json] [--offline]   the keys gwctl minted: per tool and named (gwctl env NAME), with
                                    their state from a live check and when they were last used
  gwctl keys revoke NAME            revoke the named key NAME and forget it
  gwctl keys revoke (ALIAS|--pending)
                                    retry now the tool keys whose revocation failed (revoke-pending;
                                    gwctl also retries them whenever it reaches their gateway)

  States: active (the gateway accepts it), rejected (revoked, expired or disabled: gwctl rotate TOOL,
  or gwctl keys revoke NAME && gwctl env NAME), revoke-pending (a revoke did not go through yet),
  unknown (the gateway did not answer, or the key belongs to another gateway). --offline skips the
  live check. Keys are never shown, only their names.`;

export async function run(args: string[], io: Io): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  if (args[0] === 'revoke') return revoke(args.slice(1), io);
  const json = args.includes('--json');
  const offline = args.includes('--offline');
  const other = args.find((a) => a !== '--json' && a !== '--offline');
  if (other !== undefined) {
    io.err(`gwctl keys: unexpected '${other}'\nRun 'gwctl keys --help' for usage.`);
    return 2;
  }
  try {
    const [{ keysContext, checkKey }, { renderTable }] = await Promise.all([import('../../engine/keys.ts'), import('../table.ts')]);
    const { gateway: gw, keys } = await keysContext(io.env);
    const minted = keys.filter((k) => k.alias !== null);
    const configured = keys.filter((k) => k.alias === null).map((k) => k.id);
    const health = await Promise.all(minted.map((k) => (offline ? Promise.resolve(undefined) : checkKey(k, gw))));
    const entries = minted.map((k, i) => ({
      ...(k.type === 'tool' ? { tool: k.id } : { name: k.id }),
      kind: k.kind,
      alias: k.alias,
      ...(k.ref?.id ? { id: k.ref.id } : {}),
      created: k.created,
      gateway: k.gatewayRoot,
      state: health[i]?.state ?? (k.revokePending ? 'revoke-pending' : 'unknown'),
      ...(health[i]?.why ? { stateDetail: health[i]!.why } : {}),
      lastUsed: health[i]?.lastUsed ?? null,
    }));
    if (json) {
      io.out(JSON.stringify({ keys: entries, configuredKey: configured }, null, 2));
      return 0;
    }
    if (!entries.length) {
      io.out('gwctl has minted no keys (none of the taken-over tools uses a key gwctl created).');
    } else {
      const last = (e: (typeof entries)[number], i: number) =>
        e.lastUsed ? e.lastUsed.replace(/T00:00:00\.000Z$/, '').replace(/\.\d{3}Z$/, 'Z') : health[i]?.lastUsed === null ? 'never' : '—';
      io.out(
        renderTable(
          ['TOOL', 'KIND', 'ALIAS', 'ID', 'CREATED', 'STATE', 'LAST USED', 'GATEWAY'],
          entries.map((e, i) => ['tool' in e ? e.tool! : `${e.name} (named)`, e.kind, e.alias ?? '—', e.id ?? '—', e.created, e.state, last(e, i), e.gateway]),
        ),
      );
      for (const e of entries) {
        if (e.state === 'rejected')
          io.out(
            `  ${'tool' in e ? e.tool : e.name}: rejected (${e.stateDetail}); ${'tool' in e ? `gwctl rotate ${e.tool}` : `gwctl keys revoke ${e.name} && gwctl env ${e.name}`} gets a new key`,
          );
        else if (e.state !== 'active' && e.stateDetail) io.out(`  ${'tool' in e ? e.tool : e.name}: ${e.state}: ${e.stateDetail}`);
      }
    }
    if (configured.length) io.out(`using the configured key (not minted, never revoked by gwctl): ${configured.join(', ')}`);
    return 0;
  } catch (e) {
    return failure(io, 'keys', e);
  }
}

async function revoke(args: string[], io: Io): Promise<number> {
  if (args[0] === '--pending' || (args[0] && (await pendingToolKey(io, args[0])))) return revokePending(args, io);
  const [name, ...rest] = args;
  if (!name || name.startsWith('-') || rest.length) {
    io.err(
      `gwctl keys revoke: ${!name || name.startsWith('-') ? 'needs the NAME of a named key (gwctl keys lists them)' : `unexpected '${rest[0]}'`}\nRun 'gwctl keys --help' for usage.`,
    );
    return 2;
  }
  try {
    const [{ gwctlPaths, homeFrom }, { configuredGateway }, { revokeNamedKey }, { TOOL_IDS }] = await Promise.all([
      import('../../home/paths.ts'),
      import('../../gateway/index.ts'),
      import('../../gateway/named-keys.ts'),
      import('../../adapters/index.ts'),
    ]);
    if ((TOOL_IDS as readonly string[]).includes(name)) {
      io.err(`gwctl keys revoke: '${name}' is a tool: its key is revoked by \`gwctl restore ${name}\`, or replaced by \`gwctl rotate ${name}\``);
      return 2;
    }
    const configDir = gwctlPaths({ home: homeFrom(io.env), env: io.env }).configDir;
    const gw = configuredGateway(configDir, io.env);
    const r = await revokeNamedKey(gw, configDir, name);
    for (const k of r.revoked) io.out(`revoked key '${k.alias}' on ${gw.kind.label} at ${k.url}`);
    for (const k of r.kept) io.out(`kept key '${k.alias}'${k.revokePending ? ' (revoke-pending)' : ''}: ${k.why}`);
    return r.kept.some((k) => k.revokePending) ? 1 : 0;
  } catch (e) {
    return failure(io, 'keys revoke', e);
  }
}

export const command: CliCommand = rawCommand('keys', 'the virtual keys gwctl minted, their live state and last use; keys revoke NAME', USAGE, run);

/** Is `alias` (or id) a tool key waiting to be revoked (the ledger's revoke-pending list)? */
async function pendingToolKey(io: Io, alias: string): Promise<boolean> {
  try {
    const [{ gwctlPaths, homeFrom }, { LedgerStore }] = await Promise.all([import('../../home/paths.ts'), import('../../engine/ledger.ts')]);
    const ledger = await new LedgerStore(gwctlPaths({ home: homeFrom(io.env), env: io.env }).stateDir).load();
    return ledger.pending.some((p) => p.keyRef.alias === alias || p.keyRef.id === alias);
  } catch {
    return false;
  }
}

/** `gwctl keys revoke (ALIAS|--pending)`: revoke-pending tool keys, tried again now (under the writer lock). */
async function revokePending(args: string[], io: Io): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  if (rest.length !== 1) {
    io.err(`gwctl keys revoke: give one alias (or id), or --pending\nRun 'gwctl keys --help' for usage.`);
    return 2;
  }
  const which = rest[0]!;
  try {
    const [{ gwctlPaths, homeFrom }, { LedgerStore }, { Engine }, { configuredGateway }] = await Promise.all([
      import('../../home/paths.ts'),
      import('../../engine/ledger.ts'),
      import('../../engine/engine.ts'),
      import('../../gateway/index.ts'),
    ]);
    const home = homeFrom(io.env);
    const paths = gwctlPaths({ home, env: io.env });
    const store = new LedgerStore(paths.stateDir);
    const { settings, keys } = configuredGateway(paths.configDir, io.env);
    const engine = new Engine({ home, env: io.env, stateDir: paths.stateDir, gateway: settings, keys });
    const notes = await engine.retryPending(which === '--pending' ? undefined : { key: which });
    const left = (await store.load()).pending.filter((p) => which === '--pending' || p.keyRef.alias === which || p.keyRef.id === which).length;
    if (json) io.out(JSON.stringify({ notes, pending: left }, null, 2));
    else {
      if (!notes.length) io.out('no tool key is waiting to be revoked');
      for (const n of notes) io.out(n);
    }
    return left ? 1 : 0;
  } catch (e) {
    return failure(io, 'keys revoke', e);
  }
}
