/**
 * `gwctl import LINK` (or the link on stdin, so it stays out of shell history): take the gateway
 * address, key and model from a `ccswitch://v1/import?resource=provider…` link, as a gateway's
 * "Fill CC Switch" button makes it (new-api and its forks). Sets gateway.url (the endpoint's root,
 * without /v1), gateway.key (0600 secrets; never shown) and gateway.defaultModel; a gateway kind
 * that mints its own keys becomes `static`, since the link's key is what every tool must use.
 */
import { gwctlPaths, homeFrom } from '../../home/paths.ts';
import { failure, usageError } from '../errors.ts';
import type { Io } from '../../shared/io.ts';
import { rawCommand, type CliCommand } from '../command.ts';

const USAGE = `Usage:
  gwctl import 'ccswitch://v1/import?resource=provider&app=…&endpoint=…&apiKey=…'
  pbpaste | gwctl import          the link on stdin stays out of your shell history

  Sets gateway.url, gateway.key (kept 0600, never shown) and gateway.defaultModel from a CC Switch
  provider link, as a gateway's "Fill CC Switch" button makes it. Then: gwctl takeover --all`;

export async function run(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const opts = argv.filter((a) => a.startsWith('-') && a !== '-');
  if (opts.length) return usageError(io, 'import', `unknown option ${opts[0]}`);
  if (argv.length > 1) return usageError(io, 'import', 'give one link (quote it: it contains & and ?)');
  const fromArgv = argv.length === 1 && argv[0] !== '-';
  try {
    const { configDir, stateDir } = gwctlPaths({ home: homeFrom(io.env), env: io.env });
    const raw = fromArgv ? argv[0]! : await (io.stdin ?? (await import('./config.ts')).processStdin)();
    if (!raw.trim()) return usageError(io, 'import', 'no link given: pass it as an argument, or on stdin');
    const [{ parseCcSwitchLink }, settings, secrets, { KINDS, isKindId, DEFAULT_KIND }] = await Promise.all([
      import('../../gateway/ccswitch.ts'),
      import('../../home/settings.ts'),
      import('../../home/secrets.ts'),
      import('../../gateway/index.ts'),
    ]);
    const link = parseCcSwitchLink(raw);
    // gwctl's settings and secrets change: under the per-HOME writer lock, like every writer.
    const { withWriterLock } = await import('../../home/lock.ts');
    return await withWriterLock(stateDir, io.env, async () => {
      const current = settings.readSettings(configDir).gateway;
      const store = await settings.openSettings(configDir);
      const kindId = current.kind && isKindId(current.kind) ? current.kind : DEFAULT_KIND;
      // The secret first: if it cannot be written, no setting has changed.
      secrets.writeSecret(configDir, 'gateway.key', link.apiKey);
      store.set('gateway.url', link.root);
      io.out(`gateway.url = ${link.root}`);
      io.out(`gateway.key saved in ${secrets.secretsPath(configDir)} (mode 0600; not shown)`);
      if (link.model) {
        store.set('gateway.defaultModel', link.model);
        io.out(`gateway.defaultModel = ${link.model}`);
      }
      if (KINDS[kindId].keys || KINDS[kindId].defaultRoot !== null) {
        store.set('gateway.kind', 'static');
        io.out(
          `gateway.kind = static (was ${kindId}): every tool uses the link's key${KINDS[kindId].keys ? `; to have gwctl mint a key per tool instead, set gateway.kind ${kindId} and its admin credential` : ''}`,
        );
      }
      if (link.otherEndpoints.length) io.out(`note: the link also lists ${link.otherEndpoints.join(', ')}; gwctl uses the first address`);
      for (const v of ['GWCTL_GATEWAY_URL', 'GWCTL_GATEWAY_KEY', 'GWCTL_GATEWAY_KIND']) {
        if (io.env[v]) io.err(`gwctl import: note: ${v} is set in this environment and overrides what was saved`);
      }
      if (fromArgv)
        io.err(
          'gwctl import: note: the link holds a key and is now in your shell history; next time pipe it in (pbpaste | gwctl import), and consider removing that history line',
        );
      io.out('Next: gwctl takeover --all');
      return 0;
    });
  } catch (e) {
    // Messages never hold the key: the parser does not put it in any, and the rest run before it is read.
    return failure(io, 'import', e);
  }
}

export const command: CliCommand = rawCommand('import', 'take the gateway address, key and model from a ccswitch:// link', USAGE, run);
