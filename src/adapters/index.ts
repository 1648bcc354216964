/**
 * Floor: adapters, below gateway: one pure adapter per tool, listed once here. See docs/floors.md.
 *
 * A new tool: its file in this directory and one line in ADAPTERS. Tool ids (ToolId, TOOL_IDS)
 * and the order gwctl lists tools in derive from this list.
 *
 * Loading this module loads every adapter and the format editors: the `gwctl status` path
 * through the agent does not (it imports only types from here).
 */
import { claudeCode } from './claude-code.ts';
import { codebuddy } from './codebuddy.ts';
import { codex } from './codex.ts';
import { crush } from './crush.ts';
import { geminiCli } from './gemini-cli.ts';
import { kimiCli } from './kimi-cli.ts';
import { kimiCode } from './kimi-code.ts';
import { opencode } from './opencode.ts';
import { copilot } from './copilot.ts';
import { qwenCode } from './qwen-code.ts';
import { pi } from './pi.ts';
import { kilo } from './kilo.ts';
import { droid } from './droid.ts';
import { openclaw } from './openclaw.ts';
import { cline } from './cline.ts';
import { grok } from './grok.ts';
import { continueCli } from './continue.ts';
import type { ToolAdapter } from './types.ts';

export const ADAPTERS = [
  claudeCode,
  codex,
  geminiCli,
  qwenCode,
  kimiCli,
  kimiCode,
  codebuddy,
  opencode,
  crush,
  copilot,
  pi,
  kilo,
  droid,
  openclaw,
  cline,
  grok,
  continueCli,
] as const;

export type ToolId = (typeof ADAPTERS)[number]['id'];

// An adapter declared `: ToolAdapter` without its id would make every ToolId a plain string.
type IdsAreNamed = string extends ToolId ? "declare each adapter with its id: ToolAdapter<'its-id'>" : true;
const idsAreNamed: IdsAreNamed = true;
void idsAreNamed;

export const TOOL_IDS: readonly ToolId[] = ADAPTERS.map((a) => a.id);

const BY_ID = new Map<string, ToolAdapter<ToolId>>(ADAPTERS.map((a) => [a.id, a]));

export function adapterFor(id: ToolId): ToolAdapter<ToolId> {
  const a = BY_ID.get(id);
  if (!a) throw new Error(`internal: no adapter for '${id}'`);
  return a;
}

export function allAdapters(): readonly ToolAdapter<ToolId>[] {
  return ADAPTERS;
}

/** Every tool's config dir and the files its status reads, for this HOME and environment. */
export function locateAll(ctx: { home: string; env: Readonly<Record<string, string | undefined>> }): Array<{ tool: ToolId; dir: string; files: string[] }> {
  return ADAPTERS.map((a) => {
    const loc = a.locate(ctx);
    return { tool: a.id, dir: loc.dir, files: loc.files.map((f) => f.path) };
  });
}
