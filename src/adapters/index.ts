/**
 * Floor: adapters, below gateway: one pure adapter per tool, listed once here. See docs/floors.md.
 */
import type { ToolAdapter, ToolId } from './types.ts';
import { TOOL_IDS } from './types.ts';
import { claudeCode } from './claude-code.ts';
import { codex } from './codex.ts';
import { geminiCli } from './gemini-cli.ts';
import { qwenCode } from './qwen-code.ts';
import { kimiCli } from './kimi-cli.ts';
import { kimiCode } from './kimi-code.ts';
import { codebuddy } from './codebuddy.ts';
import { opencode } from './opencode.ts';
import { crush } from './crush.ts';
import { pi } from './pi.ts';
import { kilo } from './kilo.ts';
import { droid } from './droid.ts';
import { openclaw } from './openclaw.ts';
import { cline } from './cline.ts';
import { grok } from './grok.ts';
import { continueCli } from './continue.ts';

const ADAPTERS: Record<ToolId, ToolAdapter> = {
  'claude-code': claudeCode,
  codex,
  'gemini-cli': geminiCli,
  'qwen-code': qwenCode,
  'kimi-cli': kimiCli,
  'kimi-code': kimiCode,
  codebuddy,
  opencode,
  crush,
  pi,
  kilo,
  droid,
  openclaw,
  cline,
  grok,
  continue: continueCli,
};

export function adapterFor(id: ToolId): ToolAdapter {
  return ADAPTERS[id];
}

export function allAdapters(): ToolAdapter[] {
  return TOOL_IDS.map((id) => ADAPTERS[id]);
}

export function isToolId(s: string): s is ToolId {
  return (TOOL_IDS as readonly string[]).includes(s);
}
