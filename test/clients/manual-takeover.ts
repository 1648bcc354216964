/**
 * A takeover written by hand straight from TOOLS.md, without gwctl. Used to develop each client's
 * invocation while the CLI did not exist, and still useful to tell "the client misbehaves" from
 * "gwctl wrote something wrong": GWCTL_CLIENTS_MANUAL=1 npm run test:clients uses it instead of
 * gwctl (and skips the restore checks, which only make sense for gwctl).
 * Not an adapter: it rewrites whole files and keeps no comments.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import JSON5 from 'json5';
import { parse as parseJsonc } from 'jsonc-parser';
import { GATEWAY_MODELS } from './recorder.ts';

type Obj = Record<string, unknown>;
const P = 'servbay';
const NAME = 'ServBay AI Gateway';

function readJson(file: string): Obj {
  return existsSync(file) ? (parseJsonc(readFileSync(file, 'utf8')) as Obj) : {};
}

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function writeJson(file: string, data: unknown): void {
  write(file, JSON.stringify(data, null, 2) + '\n');
}

function appendLines(file: string, lines: string[]): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  write(file, (old && !old.endsWith('\n') ? `${old}\n` : old) + lines.join('\n') + '\n');
}

/** Returns the path of the main config file written. */
export function manualTakeover(tool: string, home: string, gw: string, key: string): string {
  const v1 = `${gw}/v1`;
  const model = GATEWAY_MODELS[0];
  switch (tool) {
    case 'claude-code': {
      const file = join(home, '.claude', 'settings.json');
      const s = readJson(file);
      delete s.apiKeyHelper;
      s.env = { ...(s.env as Obj | undefined), ANTHROPIC_BASE_URL: gw, ANTHROPIC_AUTH_TOKEN: key, ANTHROPIC_API_KEY: '' };
      writeJson(file, s);
      return file;
    }
    case 'codex': {
      const file = join(home, '.codex', 'config.toml');
      const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
      write(
        file,
        `model_provider = "${P}"\n${old}\n[model_providers.${P}]\nname = "${NAME}"\nbase_url = "${v1}"\n` +
          `experimental_bearer_token = "${key}"\nwire_api = "responses"\n`,
      );
      return file;
    }
    case 'gemini-cli': {
      const file = join(home, '.gemini', '.env');
      appendLines(file, [`GOOGLE_GEMINI_BASE_URL=${gw}`, `GEMINI_API_KEY=${key}`]);
      const settings = join(home, '.gemini', 'settings.json');
      const s = readJson(settings);
      s.security = {
        ...(s.security as Obj | undefined),
        auth: { ...((s.security as Obj | undefined)?.auth as Obj | undefined), selectedType: 'gemini-api-key' },
      };
      writeJson(settings, s);
      return file;
    }
    case 'qwen-code': {
      const file = join(home, '.qwen', '.env');
      appendLines(file, [`OPENAI_BASE_URL=${v1}`, `OPENAI_API_KEY=${key}`, `OPENAI_MODEL=${model}`]);
      return file;
    }
    case 'kimi-code': {
      const file = join(home, '.kimi-code', 'config.toml');
      const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const models = GATEWAY_MODELS.map((m) => `\n[models."${P}/${m}"]\nprovider = "${P}"\nmodel = "${m}"\nmax_context_size = 128000\n`).join('');
      write(
        file,
        `${old.replace(/^default_model\s*=.*$/m, '')}\n[providers.${P}]\ntype = "openai"\nbase_url = "${v1}"\napi_key = "${key}"\n${models}`.replace(
          /^/,
          `default_model = "${P}/${model}"\n`,
        ),
      );
      return file;
    }
    case 'codebuddy': {
      const file = join(home, '.codebuddy', 'models.json');
      const s = readJson(file);
      const ours = GATEWAY_MODELS.map((m) => ({
        id: m,
        name: m,
        vendor: NAME,
        apiKey: key,
        url: `${v1}/chat/completions`,
        maxInputTokens: 128000,
        maxOutputTokens: 8192,
        supportsToolCall: true,
      }));
      s.models = [...((s.models as Obj[] | undefined) ?? []).filter((m) => !GATEWAY_MODELS.includes(m.id as never)), ...ours];
      writeJson(file, s);
      return file;
    }
    case 'opencode':
    case 'kilo': {
      // Kilo reads opencode's schema (src/adapters/opencode-family.ts).
      const dir = tool === 'kilo' ? join(home, '.config', 'kilo') : join(home, '.config', 'opencode');
      const name = tool === 'kilo' ? 'kilo' : 'opencode';
      const file = existsSync(join(dir, `${name}.jsonc`)) ? join(dir, `${name}.jsonc`) : join(dir, `${name}.json`);
      const s = readJson(file);
      const models = Object.fromEntries(GATEWAY_MODELS.map((m) => [m, { name: m, limit: { context: 128000, output: 8192 } }]));
      s.provider = { ...(s.provider as Obj | undefined), [P]: { npm: '@ai-sdk/openai-compatible', name: NAME, options: { baseURL: v1, apiKey: key }, models } };
      s.model = `${P}/${model}`;
      writeJson(file, s);
      return file;
    }
    case 'pi': {
      const dir = join(home, '.pi', 'agent');
      const models = readJson(join(dir, 'models.json'));
      models.providers = {
        ...(models.providers as Obj | undefined),
        [P]: { name: NAME, baseUrl: v1, api: 'openai-completions', apiKey: key, models: GATEWAY_MODELS.map((id) => ({ id })) },
      };
      writeJson(join(dir, 'models.json'), models);
      writeJson(join(dir, 'settings.json'), { ...readJson(join(dir, 'settings.json')), defaultProvider: P, defaultModel: model });
      return join(dir, 'models.json');
    }
    case 'droid': {
      const file = join(home, '.factory', 'settings.json');
      const s = readJson(file);
      const ours = GATEWAY_MODELS.map((m) => ({
        model: m,
        id: `custom:${P}-${m}`,
        displayName: m,
        baseUrl: v1,
        apiKey: key,
        provider: 'generic-chat-completion-api',
      }));
      s.customModels = [...((s.customModels as Obj[] | undefined) ?? []), ...ours];
      s.sessionDefaultSettings = { ...(s.sessionDefaultSettings as Obj | undefined), model: `custom:${P}-${model}` };
      writeJson(file, s);
      return file;
    }
    case 'cline': {
      const file = join(home, '.cline', 'data', 'settings', 'providers.json');
      const s = readJson(file);
      const entry = {
        settings: { provider: 'openai-compatible', apiKey: key, baseUrl: v1, model },
        updatedAt: '2000-01-01T00:00:00.000Z',
        tokenSource: 'manual',
      };
      s.providers = { ...(s.providers as Obj | undefined), 'openai-compatible': entry };
      s.lastUsedProvider = 'openai-compatible';
      writeJson(file, s);
      return file;
    }
    case 'grok': {
      const file = join(home, '.grok', 'config.toml');
      const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const tables = GATEWAY_MODELS.map((m) => `[model."${P}-${m}"]\nmodel = "${m}"\nbase_url = "${v1}"\napi_key = "${key}"\n`).join('\n');
      write(file, `${old.replace(/^\[models\]\s*\ndefault\s*=.*$/m, `[models]\ndefault = "${P}-${model}"`)}\n${tables}`);
      return file;
    }
    case 'continue': {
      // A whole new config.yaml (the user's models and comments are dropped: not an adapter).
      const file = join(home, '.continue', 'config.yaml');
      const entries = GATEWAY_MODELS.map(
        (m) => `  - name: ${P}/${m}\n    provider: openai\n    model: ${m}\n    apiBase: ${v1}\n    apiKey: ${key}\n    roles: [chat]\n`,
      );
      write(file, `name: Local Config\nversion: 1.0.0\nmodels:\n${entries.join('')}`);
      const ctx = join(home, '.continue', 'index', 'globalContext.json');
      if (existsSync(ctx)) writeJson(ctx, { ...readJson(ctx), cliSelectedModel: `${P}/${model}` });
      return file;
    }
    case 'openclaw': {
      // JSON is JSON5; comments are dropped (not an adapter).
      const file = join(home, '.openclaw', 'openclaw.json');
      const s = (existsSync(file) ? JSON5.parse(readFileSync(file, 'utf8')) : {}) as Obj;
      const models = (s.models as Obj | undefined) ?? {};
      s.models = {
        ...models,
        providers: {
          ...(models.providers as Obj | undefined),
          [P]: { baseUrl: v1, apiKey: key, api: 'openai-completions', models: GATEWAY_MODELS.map((id) => ({ id, name: id })) },
        },
      };
      s.agents = {
        ...(s.agents as Obj | undefined),
        defaults: { ...((s.agents as Obj | undefined)?.defaults as Obj | undefined), model: { primary: `${P}/${model}` } },
      };
      writeJson(file, s);
      return file;
    }
    default:
      throw new Error(`manualTakeover: no recipe for ${tool}`);
  }
}
