/**
 * Claude Code: `settings.json` in `$CLAUDE_CONFIG_DIR` or `~/.claude` (strict JSON: Claude Code
 * rejects the whole file as "Invalid or malformed JSON" when it holds a comment).
 *
 * Slot: `env.ANTHROPIC_BASE_URL` (gateway root, no `/v1`), `env.ANTHROPIC_AUTH_TOKEN` (the key,
 * sent as Bearer), `env.ANTHROPIC_API_KEY = ""` (so a key exported in the shell is not sent as
 * `x-api-key` next to ours), and `apiKeyHelper` set aside (its output would leak the same way);
 * restore puts it back.
 */
import { join } from 'node:path';
import type { Edit } from '../formats/slot.ts';
import { baseName, envVar, fileSpec, obj, parseAll, statusOf, text } from './common.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, Inspection, TakeoverTarget, ToolAdapter, ToolLocation } from './types.ts';

function locate(ctx: AdapterEnv): ToolLocation {
  const dir = envVar(ctx, 'CLAUDE_CONFIG_DIR') ?? join(ctx.home, '.claude');
  return { dir, files: [fileSpec(dir, 'settings.json', 'settings', 'json')] };
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const loc = locate(ctx);
  const { settings } = parseAll(loc, files);
  const address = text(obj(settings?.env)?.ANTHROPIC_BASE_URL);
  return statusOf(address, gw, gw.baseUrl.anthropic, `${baseName(loc.files[0]!.path)} env.ANTHROPIC_BASE_URL`);
}

function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
  const { settings } = parseAll(locate(ctx), files);
  const edits: Edit[] = [
    { file: 'settings', path: ['env', 'ANTHROPIC_BASE_URL'], value: target.baseUrl.anthropic, guard: { kind: 'address' } },
    { file: 'settings', path: ['env', 'ANTHROPIC_AUTH_TOKEN'], value: target.key, secret: true },
    { file: 'settings', path: ['env', 'ANTHROPIC_API_KEY'], value: '' },
  ];
  if (settings && Object.prototype.hasOwnProperty.call(settings, 'apiKeyHelper')) {
    edits.push({ file: 'settings', path: ['apiKeyHelper'], value: undefined });
  }
  return edits;
}

export const claudeCode: ToolAdapter<'claude-code'> = {
  id: 'claude-code',
  name: 'Claude Code',
  protocol: 'anthropic',
  locate,
  inspect,
  plan,
  requestPath: '/v1/messages',
};
