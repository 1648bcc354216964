/**
 * `gwctl gateway status`: kind, url, healthy, latency, models count.
 * `gwctl gateway detect [URL…] [--save]`: which gateways answer (default roots on loopback, or
 * the given URLs); `--save` stores the first match as gateway.kind and gateway.url.
 */
import { gwctlPaths, homeFrom } from '../../home/paths.ts';
import { openSettings } from '../../home/settings.ts';
import { detectAt, detectDefaults, type Detected } from '../../gateway/detect.ts';
import { redact } from '../../shared/redact.ts';
import { configuredGateway, GATEWAY_KINDS, KINDS } from '../../gateway/index.ts';
import { gatewayStatus } from '../../gateway/status.ts';
import type { Io } from '../../shared/io.ts';

const USAGE = `Usage:
  gwctl gateway status [--json]                  kind, url, healthy, latency, models count
  gwctl gateway detect [URL…] [--save] [--json]  which gateways answer on this machine
                                                 (default roots of ${GATEWAY_KINDS.filter((k) => KINDS[k].defaultRoot).join(', ')};
                                                 or the URLs given); --save stores the first match`;

class Usage extends Error {}

export async function run(args: string[], io: Io): Promise<number> {
  const flags = new Set(args.filter((a) => a.startsWith('-')));
  const words = args.filter((a) => !a.startsWith('-'));
  const [sub, ...rest] = words;
  const json = flags.has('--json');
  try {
    if (flags.has('--help') || flags.has('-h') || !sub || sub === 'help') {
      io.out(USAGE);
      return sub || flags.size ? 0 : 2;
    }
    const allowed = sub === 'detect' ? ['--json', '--save'] : ['--json'];
    for (const f of flags) if (!allowed.includes(f)) throw new Usage(`unknown option ${f}`);
    if (sub === 'status') {
      if (rest.length) throw new Usage('gateway status takes no arguments');
      return await status(io, json);
    }
    if (sub === 'detect') return await detect(io, rest, json, flags.has('--save'));
    throw new Usage(`unknown gateway command '${sub}'`);
  } catch (e) {
    if (e instanceof Usage) {
      io.err(`gwctl gateway: ${e.message}\nRun 'gwctl gateway --help' for usage.`);
      return 2;
    }
    io.err(`gwctl gateway: ${redact((e as Error).message)}`);
    return 1;
  }
}

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
    io.out(`keys     ${gw.kind.keys ? `minted per tool (${gw.adminKey() ? 'admin credential set' : gw.kind.keys.adminRequired ? 'admin credential NOT set' : 'no admin credential'})` : `configured key for every tool (${gw.configuredKey() ? 'set' : 'NOT set'})`}`);
    if (s.error) io.err(`gwctl gateway: ${s.error}`);
    else if (s.modelsError) io.err(`gwctl gateway: cannot count models: ${s.modelsError}`);
  }
  return s.healthy ? 0 : 1;
}

async function detect(io: Io, urls: string[], json: boolean, save: boolean): Promise<number> {
  for (const u of urls) {
    try {
      const p = new URL(u).protocol;
      if (p !== 'http:' && p !== 'https:') throw new Error();
    } catch {
      throw new Usage(`'${u}' is not an http(s) URL`);
    }
  }
  const found: Detected[] = urls.length ? await detectAt(urls) : await detectDefaults();
  let saved: Detected | undefined;
  if (save && found[0]) {
    const configDir = gwctlPaths({ home: homeFrom(io.env), env: io.env }).configDir;
    saved = found[0];
    const settings = await openSettings(configDir);
    settings.set('gateway.kind', saved.kind);
    settings.set('gateway.url', saved.url);
  }
  if (json) {
    io.out(JSON.stringify({ found, ...(saved ? { saved: { kind: saved.kind, url: saved.url } } : {}) }, null, 2));
    return found.length ? 0 : 1;
  }
  if (!found.length) {
    const where = urls.length ? urls.join(', ') : GATEWAY_KINDS.filter((k) => KINDS[k].defaultRoot).map((k) => `${k} ${KINDS[k].defaultRoot}`).join(', ');
    io.err(`gwctl gateway: no gateway answered (${where}); start your gateway, or give its URL: gwctl gateway detect http://127.0.0.1:PORT`);
    return 1;
  }
  const w = Math.max(...found.map((d) => d.kind.length));
  for (const d of found) io.out(`${d.kind.padEnd(w)}  ${d.url}  answers ${d.probe} (${d.latencyMs} ms)`);
  if (saved) {
    io.out(`saved: gateway.kind = ${saved.kind}, gateway.url = ${saved.url}`);
    if (found.length > 1) io.out(`(the first of ${found.length}; to use another: gwctl config set gateway.kind KIND && gwctl config set gateway.url URL)`);
    const next = KINDS[saved.kind].keys?.adminRequired ? 'set its admin credential: gwctl config set gateway.adminKey (reads stdin)' : KINDS[saved.kind].keys ? 'takeover mints a key per tool' : 'save the key every tool uses: gwctl config set gateway.key (reads stdin)';
    io.out(`next: ${next}`);
  } else {
    const first = found[0]!;
    io.out(found.length === 1 ? `to use it: gwctl gateway detect${urls.length ? ' ' + urls.join(' ') : ''} --save` : `to use one: gwctl config set gateway.kind ${first.kind} && gwctl config set gateway.url ${first.url}   (or --save for the first)`);
  }
  return 0;
}
