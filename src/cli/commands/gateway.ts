/**
 * `gwctl gateway status`: kind, url, healthy, latency, models count.
 * `gwctl gateway detect [URL…] [--save]`: which gateways answer (default roots on loopback, or
 * the given URLs); `--save` stores the first match as gateway.kind and gateway.url.
 */
import { gwctlPaths, homeFrom } from '../../home/paths.ts';
import { openSettings } from '../../home/settings.ts';
import { detectAt, detectDefaults, type Detected } from '../../gateway/detect.ts';
import { configuredGateway, GATEWAY_KINDS, KINDS } from '../../gateway/index.ts';
import { gatewayStatus } from '../../gateway/status.ts';
import { withWriterLock } from '../../home/lock.ts';
import type { Io } from '../../shared/io.ts';
import { JSON_OPTION, UsageError, type CliCommand } from '../command.ts';

export const command: CliCommand = {
  name: 'gateway',
  summary: 'the gateway: kind, url, health, latency, models; or find one on loopback',
  usage: `gwctl gateway status [--json]
gwctl gateway detect [URL…] [--save] [--json]
  status: kind, url, healthy, latency, models count
  detect: which gateways answer on this machine (default roots of ${GATEWAY_KINDS.filter((k) => KINDS[k].defaultRoot).join(', ')};
  or the URLs given); --save stores the first match as gateway.kind and gateway.url`,
  options: {
    json: JSON_OPTION,
    save: { type: 'boolean', description: 'detect: store the first gateway found as gateway.kind and gateway.url' },
  },
  async run({ values, positionals }, { io }) {
    const [sub, ...rest] = positionals;
    const json = values.json === true;
    if (!sub) throw new UsageError('gateway needs a command: status or detect');
    if (sub === 'status') {
      if (rest.length) throw new UsageError('gateway status takes no arguments');
      if (values.save) throw new UsageError('--save goes with gateway detect');
      return status(io, json);
    }
    if (sub === 'detect') return detect(io, rest, json, values.save === true);
    throw new UsageError(`unknown gateway command '${sub}'`);
  },
};

async function status(io: Io, json: boolean): Promise<number> {
  const configDir = gwctlPaths({ home: homeFrom(io.env), env: io.env }).configDir;
  const gw = configuredGateway(configDir, io.env);
  const s = await gatewayStatus(gw);
  if (json) {
    io.out(JSON.stringify(s, null, 2));
  } else {
    io.out(`kind     ${s.kind}${gw.source.kind === 'default' ? ' (default)' : gw.source.kind === 'env' ? ' (GWCTL_GATEWAY_KIND)' : ''}`);
    io.out(`url      ${s.url}${gw.source.url === 'default' ? ' (default)' : gw.source.url === 'env' ? ' (GWCTL_GATEWAY_URL)' : ''}`);
    io.out(`healthy  ${s.healthy ? 'yes' : 'no'}`);
    io.out(`latency  ${s.latencyMs === null ? '—' : `${s.latencyMs} ms`}`);
    io.out(`models   ${s.models === null ? '—' : String(s.models)}`);
    io.out(
      `keys     ${gw.kind.keys ? `minted per tool (${gw.adminKey() ? 'admin credential set' : gw.kind.keys.adminRequired ? 'admin credential NOT set' : 'no admin credential'})` : `configured key for every tool (${gw.configuredKey() ? 'set' : 'NOT set'})`}`,
    );
    if (s.error) io.err(`gwctl: ${s.error}`);
    else if (s.modelsError) io.err(`gwctl: cannot count models: ${s.modelsError}`);
  }
  return s.healthy ? 0 : 1;
}

async function detect(io: Io, urls: string[], json: boolean, save: boolean): Promise<number> {
  for (const u of urls) {
    try {
      const p = new URL(u).protocol;
      if (p !== 'http:' && p !== 'https:') throw new Error();
    } catch {
      throw new UsageError(`'${u}' is not an http(s) URL`);
    }
  }
  const found: Detected[] = urls.length ? await detectAt(urls) : await detectDefaults();
  let saved: Detected | undefined;
  if (save && found[0]) {
    const { configDir, stateDir } = gwctlPaths({ home: homeFrom(io.env), env: io.env });
    const chosen = found[0];
    saved = chosen;
    // A settings write: under the per-HOME writer lock, like every writer.
    await withWriterLock(stateDir, io.env, async () => {
      const settings = await openSettings(configDir);
      settings.set('gateway.kind', chosen.kind);
      settings.set('gateway.url', chosen.url);
    });
  }
  if (json) {
    io.out(JSON.stringify({ found, ...(saved ? { saved: { kind: saved.kind, url: saved.url } } : {}) }, null, 2));
    return found.length ? 0 : 1;
  }
  if (!found.length) {
    const where = urls.length
      ? urls.join(', ')
      : GATEWAY_KINDS.filter((k) => KINDS[k].defaultRoot)
          .map((k) => `${k} ${KINDS[k].defaultRoot}`)
          .join(', ');
    io.err(`gwctl: no gateway answered (${where}); start your gateway, or give its URL: gwctl gateway detect http://127.0.0.1:PORT`);
    return 1;
  }
  const w = Math.max(...found.map((d) => d.kind.length));
  for (const d of found) io.out(`${d.kind.padEnd(w)}  ${d.url}  answers ${d.probe} (${d.latencyMs} ms)`);
  if (saved) {
    io.out(`saved: gateway.kind = ${saved.kind}, gateway.url = ${saved.url}`);
    if (found.length > 1) io.out(`(the first of ${found.length}; to use another: gwctl config set gateway.kind KIND && gwctl config set gateway.url URL)`);
    const next = KINDS[saved.kind].keys?.adminRequired
      ? 'set its admin credential: gwctl config set gateway.adminKey (reads stdin)'
      : KINDS[saved.kind].keys
        ? 'takeover mints a key per tool'
        : 'save the key every tool uses: gwctl config set gateway.key (reads stdin)';
    io.out(`next: ${next}`);
  } else {
    const first = found[0]!;
    io.out(
      found.length === 1
        ? `to use it: gwctl gateway detect${urls.length ? ' ' + urls.join(' ') : ''} --save`
        : `to use one: gwctl config set gateway.kind ${first.kind} && gwctl config set gateway.url ${first.url}   (or --save for the first)`,
    );
  }
  return 0;
}
