/**
 * `gwctl takeover … --dry-run` and `gwctl restore … --dry-run`: a unified diff per file of what
 * the command would write, credentials masked, computed in-process by the same adapters and
 * editors (Engine.planTakeover / planRestore). Nothing is written, no key is minted (a
 * placeholder stands in), nothing is revoked, no lock is taken: it only reads.
 */
import type { ToolId } from '../adapters/index.ts';
import { gwctlPaths, homeFrom } from '../home/paths.ts';
import { diffHunks } from '../shared/diff.ts';
import type { Io } from '../shared/io.ts';
import { MASK, maskLine } from '../shared/mask.ts';
import { redact } from '../shared/redact.ts';
import { UsageError } from './command.ts';

interface FileDiff {
  path: string;
  created: boolean;
  removed: boolean;
  diff: string[];
}

export async function runDryRun(
  command: 'takeover' | 'restore',
  tools: readonly string[],
  all: boolean,
  force: boolean,
  json: boolean,
  io: Io,
): Promise<number> {
  const [{ Engine }, { configuredGateway }, { TOOL_IDS, adapterFor }] = await Promise.all([
    import('../engine/engine.ts'),
    import('../gateway/index.ts'),
    import('../adapters/index.ts'),
  ]);
  const unknown = tools.filter((t) => !(TOOL_IDS as readonly string[]).includes(t));
  if (unknown.length)
    throw new UsageError(`unknown tool${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `'${t}'`).join(', ')} (tools: ${TOOL_IDS.join(', ')})`);
  const home = homeFrom(io.env);
  const paths = gwctlPaths({ home, env: io.env });
  let engine: InstanceType<typeof Engine>;
  try {
    const { settings, keys } = configuredGateway(paths.configDir, io.env);
    engine = new Engine({ home, env: io.env, stateDir: paths.stateDir, gateway: settings, keys });
  } catch (e) {
    io.err(`gwctl: ${redact((e as Error).message)}`);
    return 1;
  }
  const ids = (all ? TOOL_IDS.filter((id) => !adapterFor(id).launchOnly) : tools) as ToolId[];
  const tilde = (p: string) => (p.startsWith(home + '/') ? '~' + p.slice(home.length) : p);
  const results: Array<{ id: ToolId; name: string; files: FileDiff[]; notes: string[]; refused?: string; error?: string }> = [];
  for (const id of ids) {
    const name = adapterFor(id).name;
    try {
      const plan = command === 'takeover' ? await engine.planTakeover(id, { force }) : await engine.planRestore(id);
      const secrets = 'secrets' in plan ? (plan.secrets ?? []) : [];
      const mask = (text: string) => maskLine(secrets.reduce((t, k) => t.split(k).join(MASK), text));
      const files = plan.files.map((f) => ({
        path: f.path,
        created: f.before === null,
        removed: f.after === null,
        diff: diffHunks(f.before ?? '', f.after ?? '', 3).map((l) => (l.kind === '@' ? '@@' : `${l.kind}${mask(l.text)}`)),
      }));
      results.push({ id, name, files, notes: plan.notes, ...(plan.refused ? { refused: plan.refused } : {}) });
    } catch (e) {
      results.push({ id, name, files: [], notes: [], error: redact((e as Error).message) });
    }
  }
  if (json) {
    io.out(JSON.stringify({ dryRun: true, command, tools: results }, null, 2));
  } else {
    io.out(`gwctl ${command} --dry-run: nothing written, ${command === 'takeover' ? 'no key minted (a placeholder stands in)' : 'no key revoked'}`);
    for (const r of results) {
      if (all && r.refused && !r.files.length) continue; // --all: tools with nothing to do stay quiet
      io.out('');
      if (r.error) io.out(`# ${r.name}: cannot plan: ${r.error}`);
      else if (r.refused) io.out(`# ${r.name}: ${r.refused}`);
      else if (!r.files.length) io.out(`# ${r.name}: no file would change`);
      else io.out(`# ${r.name}`);
      for (const n of r.notes) io.out(`#   ${n}`);
      for (const f of r.files) {
        io.out(`--- ${f.created ? '/dev/null' : tilde(f.path)}`);
        io.out(`+++ ${f.removed ? '/dev/null' : tilde(f.path)}${f.created ? ' (created)' : f.removed ? ' (removed)' : ''}`);
        for (const line of f.diff) io.out(line);
      }
    }
  }
  return results.some((r) => r.error) ? 1 : 0;
}
