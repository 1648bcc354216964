/**
 * Claude Code: `settings.json` in `$CLAUDE_CONFIG_DIR` or `~/.claude` (strict JSON: Claude Code
 * rejects the whole file as "Invalid or malformed JSON" when it holds a comment).
 *
 * Slot: `env.ANTHROPIC_BASE_URL` (gateway root, no `/v1`), `env.ANTHROPIC_AUTH_TOKEN` (the key,
 * sent as Bearer), `env.ANTHROPIC_API_KEY = ""` (so a key exported in the shell is not sent as
 * `x-api-key` next to ours), and `apiKeyHelper` set aside (its output would leak the same way);
 * restore puts it back.
 *
 * launch (`@anthropic-ai/claude-code` 2.1.332, bundle: `--settings <file-or-json>` "Settings file
 * or JSON string to load more settings from"; sources ordered user < project < local < flag <
 * policy): a 0600 temp `settings.json` passed as `--settings FILE` with the same `env` slot, so
 * it beats the user's and the project's `env` (a plain environment variable would lose to them).
 * `apiKeyHelper: ""` there silences a helper of the user's files for the run (an empty helper is
 * not run). `model` only with `--model`. The child's `ANTHROPIC_API_KEY` and
 * `ANTHROPIC_AUTH_TOKEN` are removed too. `~/.claude` (login, history) stays in use.
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import type { Edit } from '../formats/slot.ts';
import { baseName, envVar, fileSpec, obj, parseAll, projectDirs, statusOf, text } from './common.ts';
import type {
  AdapterEnv,
  DoctorCheckContext,
  FileTexts,
  GatewayIdentity,
  Inspection,
  LaunchContext,
  LaunchPlan,
  LaunchTarget,
  TakeoverTarget,
  ToolAdapter,
  ToolLocation,
} from './types.ts';
import { modelToWrite } from './types.ts';

/**
 * The model settings (2.1.332 bundle: model = --model ?? process.env.ANTHROPIC_MODEL ??
 * settings.model; the aliases opus/sonnet/haiku/fable and background calls resolve through
 * ANTHROPIC_DEFAULT_<FAMILY>_MODEL). When the user's model is not served, all of them name the
 * gateway's model, so neither the alias nor a background call reaches a model it lacks.
 */
const CLAUDE_MODEL_VARS = [
  'ANTHROPIC_MODEL',
  'ANTHROPIC_DEFAULT_OPUS_MODEL',
  'ANTHROPIC_DEFAULT_SONNET_MODEL',
  'ANTHROPIC_DEFAULT_HAIKU_MODEL',
  'ANTHROPIC_DEFAULT_FABLE_MODEL',
] as const;

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
  // The model Claude Code asks for: env.ANTHROPIC_MODEL, else settings.json `model`.
  const env = obj(settings?.env);
  const current = text(env?.ANTHROPIC_MODEL) ?? text(settings?.model);
  const model = modelToWrite(current, target);
  if (model) for (const name of CLAUDE_MODEL_VARS) edits.push({ file: 'settings', path: ['env', name], value: model });
  return edits;
}

function launch(target: LaunchTarget, ctx: LaunchContext): LaunchPlan {
  const settings = {
    env: { ANTHROPIC_BASE_URL: target.baseUrl.anthropic, ANTHROPIC_AUTH_TOKEN: target.key, ANTHROPIC_API_KEY: '' },
    apiKeyHelper: '',
    ...(target.modelGiven ? { model: target.model } : {}),
  };
  return {
    env: {},
    unset: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL'],
    args: ['--settings', join(ctx.tempDir, 'claude-settings.json')],
    files: [{ name: 'claude-settings.json', text: JSON.stringify(settings, null, 2) + '\n' }],
  };
}

/** Project settings that win over ~/.claude/settings.json, and Anthropic variables in the shell. */
function doctor(c: DoctorCheckContext): void {
  const ours = c.loc.files[0]!.path;
  for (const d of projectDirs(c)) {
    for (const name of ['settings.json', 'settings.local.json']) {
      const file = join(d, '.claude', name);
      if (file === ours) continue;
      const url = c.readDoc(file, 'jsonc')?.env;
      const base = typeof obj(url)?.ANTHROPIC_BASE_URL === 'string' ? (obj(url)!.ANTHROPIC_BASE_URL as string) : undefined;
      if (base !== undefined && !pointsAt(base, c.gateway.root)) {
        c.shadow(
          'claude-project',
          'error',
          `the project file ${file} sets ANTHROPIC_BASE_URL to ${base}, which wins over ~/.claude/settings.json in that project`,
          `remove env.ANTHROPIC_BASE_URL from ${file} (or set it to ${c.gateway.baseUrl.anthropic})`,
          file,
        );
      }
    }
  }
  if (c.env.ANTHROPIC_API_KEY) {
    const blanked = obj(c.readDoc(ours, 'jsonc')?.env)?.ANTHROPIC_API_KEY === '';
    c.shadow(
      'env-anthropic',
      blanked ? 'warn' : 'error',
      blanked
        ? 'ANTHROPIC_API_KEY is exported in this shell; the takeover blanks it for Claude Code, but other programs send it to Anthropic'
        : 'ANTHROPIC_API_KEY is exported in this shell and Claude Code sends it as x-api-key next to the gateway key',
      blanked
        ? 'unset ANTHROPIC_API_KEY (and remove it from your shell profile) if you no longer use it directly'
        : 'unset ANTHROPIC_API_KEY (remove it from your shell profile), then gwctl takeover claude-code',
    );
  }
  for (const v of ['ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN']) {
    if (c.env[v])
      c.shadow(
        'env-anthropic',
        'info',
        `${v} is exported in this shell; Claude Code's settings win over it, other Anthropic clients do not`,
        `unset ${v} if nothing else needs it`,
      );
  }
}

export const claudeCode: ToolAdapter<'claude-code'> = {
  id: 'claude-code',
  name: 'Claude Code',
  protocol: 'anthropic',
  locate,
  inspect,
  plan,
  requestPath: '/v1/messages',
  bin: 'claude',
  launch,
  doctor,
};
