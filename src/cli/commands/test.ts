/**
 * `gwctl test [TOOL…] [--json]`: one minimal model request per taken-over tool, in its own
 * protocol, with the key in its config (engine/probe.ts). Reports reached, HTTP status, the model
 * that answered and the latency; a 401/403 says the key was revoked and how to get a new one.
 */
import type { ToolId } from '../../adapters/index.ts';
import { failure, usageError } from '../errors.ts';
import type { Io } from '../../shared/io.ts';
import { rawCommand, type CliCommand } from '../command.ts';

const USAGE = `Usage:
  gwctl test [TOOL…] [--json]   one minimal request per taken-over tool, as the tool sends it

  Claude Code: POST /v1/messages; Codex: POST /v1/responses; Gemini CLI: POST
  /v1beta/models/MODEL:generateContent; the others: POST /v1/chat/completions. The model is
  gateway.defaultModel, else the first the gateway lists for that key. Each request asks for one
  token of output.`;

type TestRow = import('../../engine/probe.ts').ProbeResult & { id: string; key: string };

export async function run(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const json = argv.includes('--json');
  const bad = argv.find((a) => a.startsWith('-') && a !== '--json');
  if (bad) return usageError(io, 'test', `unknown option ${bad}`);
  const wanted = argv.filter((a) => !a.startsWith('-'));
  try {
    const [{ keysContext, elsewhere }, { TOOL_IDS }, { renderTable }, { probeToolKey }] = await Promise.all([
      import('../../engine/keys.ts'),
      import('../../adapters/index.ts'),
      import('../table.ts'),
      import('../../engine/probe.ts'),
    ]);
    for (const w of wanted)
      if (!(TOOL_IDS as readonly string[]).includes(w)) return usageError(io, 'test', `unknown tool '${w}' (tools: ${TOOL_IDS.join(', ')})`);
    const { gateway: gw, keys } = await keysContext(io.env);
    const tools = keys.filter((k) => k.type === 'tool' && (!wanted.length || wanted.includes(k.id)));
    const rows: TestRow[] = [];
    for (const w of wanted) {
      if (!tools.some((k) => k.id === w))
        rows.push({
          id: w,
          key: '—',
          reached: false,
          status: null,
          model: null,
          latencyMs: null,
          request: null,
          problem: `not taken over by gwctl (gwctl takeover ${w})`,
        });
    }
    for (const k of tools) {
      const other = elsewhere(k, gw);
      const r = other
        ? { reached: false, status: null, model: null, latencyMs: null, request: null, problem: `${other}; gwctl takeover ${k.id} points it at this gateway` }
        : await probeToolKey(k.id as ToolId, k.key, gw);
      rows.push({ id: k.id, key: k.alias ?? 'gateway.key', ...r });
    }
    if (json) {
      io.out(JSON.stringify({ gateway: { kind: gw.kind.id, url: gw.settings.root }, tools: rows }, null, 2));
    } else if (!rows.length) {
      io.out('no tool is taken over: nothing to test (gwctl takeover TOOL)');
    } else {
      io.out(
        renderTable(
          ['TOOL', 'KEY', 'REACHED', 'STATUS', 'MODEL', 'LATENCY', 'REQUEST'],
          rows.map((r) => [
            r.id,
            r.key,
            r.reached ? 'yes' : 'no',
            r.status === null ? '—' : String(r.status),
            r.model ?? '—',
            r.latencyMs === null ? '—' : `${r.latencyMs} ms`,
            r.request ?? '—',
          ]),
        ),
      );
      for (const r of rows) if (r.problem) io.out(`  ${r.id}: ${r.problem}`);
    }
    return rows.some((r) => r.problem) ? 1 : 0;
  } catch (e) {
    return failure(io, 'test', e);
  }
}

export const command: CliCommand = rawCommand('test', 'one minimal model request per taken-over tool, as the tool sends it', USAGE, run);
