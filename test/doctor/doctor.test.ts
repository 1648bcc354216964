/**
 * gwctl doctor: every finding set up for real in a temp HOME (real files, a fake ServBay gateway
 * on 127.0.0.1, a real agent on its socket, the service with stand-ins for systemctl).
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.ts';
import { doctor as doctorCli } from '../../src/cli/commands/doctor.ts';
import { VERSION } from '../../src/shared/version.ts';
import { runDoctor, type DoctorContext, type Finding } from '../../src/doctor/index.ts';
import { socketLocation } from '../../src/home/paths.ts';
import { Service } from '../../src/service/index.ts';
import { GWCTL_BIN } from '../../src/home/paths.ts';
import { startServBay, type FakeServBay } from '../helpers/gateways/servbay.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { makeStandIns } from '../service/standins.ts';
import { startAgentProc } from '../agent/helpers.ts';

const KEY = 'sk-servbay-doctor-key-7f3a9c';
let h: TempHome;
let gw: FakeServBay;
let env: Record<string, string>;
let project: string;

beforeEach(async () => {
  h = tempHome('gwctl-doctor-');
  gw = await startServBay({ keys: [KEY] });
  env = { ...h.env, GWCTL_GATEWAY_KIND: 'servbay', GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY, GWCTL_NO_AGENT: '1' };
  project = join(h.home, 'src', 'app');
  mkdirSync(join(project, '.git'), { recursive: true });
});
afterEach(async () => {
  await gw.close();
  h.cleanup();
});

async function takeOver(...tools: string[]): Promise<void> {
  const dirs: Record<string, string> = {
    'claude-code': '.claude',
    codex: '.codex',
    'gemini-cli': '.gemini',
    'qwen-code': '.qwen',
    crush: '.config/crush',
    pi: '.pi/agent',
    kilo: '.config/kilo',
    droid: '.factory',
  };
  for (const t of tools) mkdirSync(join(h.home, dirs[t]!), { recursive: true });
  const r = await gwctl(['takeover', ...tools], env);
  expect(r.code, r.stderr).toBe(0);
}

function doctor(extra: Partial<DoctorContext> = {}, shellEnv: Record<string, string> = {}) {
  return runDoctor({ home: h.home, env: { ...env, ...shellEnv }, cwd: project, version: VERSION, ...extra });
}

const ids = (fs: Finding[], severity?: Finding['severity']) =>
  fs.filter((f) => !severity || f.severity === severity).map((f) => `${f.id}${f.tool ? ':' + f.tool : ''}`);

describe('gateway and keys', () => {
  it('a healthy setup has no problems; each key is checked with a real request in its protocol (as gwctl test)', async () => {
    await takeOver('claude-code', 'codex');
    const r = await doctor();
    expect(ids(r.findings, 'error')).toEqual([]);
    expect(r.ok).toBe(true);
    expect(ids(r.findings)).toEqual(
      expect.arrayContaining(['gateway.healthy', 'tool.taken-over:claude-code', 'key.accepted:claude-code', 'key.accepted:codex']),
    );
    const modelCalls = gw.calls('models').filter((c) => c.headers.authorization === `Bearer ${KEY}`);
    expect(modelCalls.length).toBeGreaterThanOrEqual(2);
    // Claude Code's key on POST /v1/messages, Codex's on POST /v1/responses, as each tool sends it.
    expect(gw.calls('messages').map((c) => [c.headers.authorization, c.headers['anthropic-version']])).toEqual([[`Bearer ${KEY}`, '2023-06-01']]);
    expect(gw.calls('responses').map((c) => c.headers.authorization)).toEqual([`Bearer ${KEY}`]);
    expect(r.findings.find((f) => f.id === 'key.accepted' && f.tool === 'codex')!.title).toMatch(
      /POST \/v1\/responses answered HTTP 200 from gpt-4o in \d+ ms/,
    );
    // --json for scripts, exit 0, and no key anywhere in the output.
    let out = '';
    const code = await doctorCli({ json: true }, { out: (s) => (out += s), err: () => undefined, env }, { cwd: project, serviceStatus: undefined });
    expect(code).toBe(0);
    expect(JSON.parse(out).ok).toBe(true);
    expect(out).not.toContain(KEY);
  });

  it('the gateway down is an error with a fix; keys are then not checked', async () => {
    await takeOver('codex');
    await gw.close();
    const r = await doctor();
    const down = r.findings.find((f) => f.id === 'gateway.down')!;
    expect(down.severity).toBe('error');
    expect(down.fix).toMatch(/gwctl config set gateway.url/);
    expect(ids(r.findings)).toContain('key.unchecked:codex');
    expect(r.ok).toBe(false);
    gw = await startServBay({ keys: [KEY] }); // for afterEach
  });

  it('a revoked key is reported for that tool, and the CLI exits 1', async () => {
    await takeOver('claude-code');
    gw.validKeys.length = 0;
    const r = await doctor();
    const f = r.findings.find((x) => x.id === 'key.rejected')!;
    expect(f).toMatchObject({ tool: 'claude-code', severity: 'error' });
    expect(f.fix).toBe('gwctl restore claude-code && gwctl takeover claude-code (mints a fresh key)');
    let out = '';
    const code = await doctorCli({ json: false }, { out: (s) => (out += s + '\n'), err: () => undefined, env }, { cwd: project, serviceStatus: undefined });
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL {2}Claude Code: the gateway rejects its key/);
    expect(out).not.toContain(KEY);
  });

  it('a key replaced by hand is reported as missing', async () => {
    await takeOver('claude-code');
    const file = join(h.home, '.claude', 'settings.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(KEY, 'sk-someone-elses-key-000000'));
    const r = await doctor();
    expect(ids(r.findings, 'error')).toContain('key.missing:claude-code');
  });

  it('drift: a taken-over tool now pointing elsewhere', async () => {
    await takeOver('codex');
    const file = join(h.home, '.codex', 'config.toml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(`${gw.url}/v1`, 'https://api.openai.com/v1'));
    const r = await doctor();
    const f = r.findings.find((x) => x.id === 'tool.drift')!;
    expect(f).toMatchObject({ tool: 'codex', severity: 'error' });
    expect(f.fix).toMatch(/^gwctl takeover codex --force/);
  });

  it('Copilot CLI installed: a launch-only note pointing at gwctl launch, not at takeover', async () => {
    mkdirSync(join(h.home, '.copilot'));
    const r = await doctor();
    expect(r.findings.filter((x) => x.tool === 'copilot')).toEqual([
      expect.objectContaining({ id: 'tool.launch-only', severity: 'info', fix: 'gwctl launch copilot' }),
    ]);
  });
});

describe('what shadows a tool config', () => {
  it('Claude: a project .claude/settings.json with its own base URL', async () => {
    await takeOver('claude-code');
    mkdirSync(join(project, '.claude'));
    writeFileSync(join(project, '.claude', 'settings.json'), '{ // project\n "env": { "ANTHROPIC_BASE_URL": "https://api.anthropic.com" } }\n');
    let r = await doctor();
    const f = r.findings.find((x) => x.id === 'shadow.claude-project')!;
    expect(f.severity).toBe('error');
    expect(f.file).toBe(join(project, '.claude', 'settings.json'));
    // Pointing at the gateway is fine.
    writeFileSync(join(project, '.claude', 'settings.json'), JSON.stringify({ env: { ANTHROPIC_BASE_URL: gw.url + '/' } }));
    r = await doctor();
    expect(ids(r.findings)).not.toContain('shadow.claude-project:claude-code');
  });

  it('exported ANTHROPIC_API_KEY, OPENAI_*, GEMINI_* in the calling shell', async () => {
    await takeOver('claude-code', 'qwen-code', 'gemini-cli');
    writeFileSync(join(h.home, '.gemini', 'trustedFolders.json'), JSON.stringify({ [project]: 'TRUST_FOLDER' }));
    let r = await doctor();
    expect(ids(r.findings).filter((i) => i.startsWith('shadow.env'))).toEqual([]);
    r = await doctor(
      {},
      {
        ANTHROPIC_API_KEY: 'sk-ant-real-0000000',
        OPENAI_API_KEY: 'sk-openai-real-000000',
        OPENAI_BASE_URL: 'https://api.openai.com/v1',
        GEMINI_API_KEY: 'AIza-real',
      },
    );
    expect(r.findings.find((f) => f.id === 'shadow.env-anthropic')!.severity).toBe('warn'); // the takeover blanks it for Claude
    expect(ids(r.findings, 'error')).toEqual(expect.arrayContaining(['shadow.env-openai:qwen-code', 'shadow.env-gemini:gemini-cli']));
    expect(r.findings.filter((f) => f.id === 'shadow.env-openai').map((f) => f.fix)).toEqual([
      'unset OPENAI_BASE_URL (and remove it from your shell profile)',
      'unset OPENAI_API_KEY (and remove it from your shell profile)',
    ]);
    expect(JSON.stringify(r)).not.toContain('sk-openai-real');
    // Without the blank in Claude's settings, the exported key leaks: an error.
    const file = join(h.home, '.claude', 'settings.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"ANTHROPIC_API_KEY": ""', '"X_UNUSED": ""'));
    r = await doctor({}, { ANTHROPIC_API_KEY: 'sk-ant-real-0000000' });
    expect(r.findings.find((f) => f.id === 'shadow.env-anthropic')!.severity).toBe('error');
  });

  it('Gemini: a project .env hides ours unless advanced.ignoreLocalEnv; folder trust; missing selectedType', async () => {
    await takeOver('gemini-cli');
    const settingsFile = join(h.home, '.gemini', 'settings.json');
    // Untrusted folder: ~/.gemini/.env is not loaded.
    let r = await doctor();
    expect(r.findings.find((f) => f.id === 'shadow.gemini-trust')).toMatchObject({ severity: 'warn', tool: 'gemini-cli' });
    writeFileSync(join(h.home, '.gemini', 'trustedFolders.json'), JSON.stringify({ [join(h.home, 'src')]: 'TRUST_FOLDER' }));
    r = await doctor();
    expect(ids(r.findings).filter((i) => i.startsWith('shadow.gemini'))).toEqual([]);
    // A project .env wins.
    writeFileSync(join(project, '.env'), 'DATABASE_URL=postgres://localhost/app\n');
    r = await doctor();
    expect(r.findings.find((f) => f.id === 'shadow.gemini-project-env')).toMatchObject({ severity: 'error', file: join(project, '.env') });
    const s = JSON.parse(readFileSync(settingsFile, 'utf8'));
    writeFileSync(settingsFile, JSON.stringify({ ...s, advanced: { ignoreLocalEnv: true } }));
    r = await doctor();
    expect(ids(r.findings)).not.toContain('shadow.gemini-project-env:gemini-cli');
    // selectedType removed.
    delete s.security.auth.selectedType;
    writeFileSync(settingsFile, JSON.stringify({ ...s, advanced: { ignoreLocalEnv: true } }));
    r = await doctor();
    expect(r.findings.find((f) => f.id === 'shadow.gemini-selected-type')).toMatchObject({
      severity: 'error',
      fix: expect.stringMatching(/gwctl takeover gemini-cli/),
    });
  });

  it('Qwen: a modelProviders entry for the selected model that points elsewhere', async () => {
    await takeOver('qwen-code');
    writeFileSync(
      join(h.home, '.qwen', 'settings.json'),
      JSON.stringify({
        model: { name: 'qwen3-coder' },
        modelProviders: { openai: [{ id: 'qwen3-coder', baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1', envKey: 'DASHSCOPE_API_KEY' }] },
      }),
    );
    const r = await doctor();
    const f = r.findings.find((x) => x.id === 'shadow.qwen-model-providers')!;
    expect(f.severity).toBe('error');
    expect(f.title).toMatch(/dashscope/);
    expect(f.fix).toBe(`remove that entry, or set its baseUrl to ${gw.url}/v1`);
  });

  it('Qwen: the same check when settings.json has comments (Qwen reads it as JSONC, and so does doctor)', async () => {
    await takeOver('qwen-code');
    writeFileSync(
      join(h.home, '.qwen', 'settings.json'),
      `// written by hand\n{\n  "model": { "name": "qwen3-coder" }, /* the one I use */\n  "modelProviders": { "openai": [{ "id": "qwen3-coder", "baseUrl": "https://dashscope.aliyuncs.com/compatible-mode/v1" }] },\n}\n`,
    );
    const r = await doctor();
    expect(r.findings.find((x) => x.id === 'shadow.qwen-model-providers')).toMatchObject({
      severity: 'error',
      tool: 'qwen-code',
      file: join(h.home, '.qwen', 'settings.json'),
    });
  });

  it('Crush: the data file selecting another provider, and a crushrc defining ours', async () => {
    await takeOver('crush');
    const data = join(h.env.XDG_DATA_HOME!, 'crush', 'crush.json');
    mkdirSync(join(data, '..'), { recursive: true });
    writeFileSync(data, JSON.stringify({ models: { large: { provider: 'openrouter', model: 'anthropic/claude-sonnet-4' } } }));
    writeFileSync(join(h.home, '.config', 'crush', 'crushrc'), '# my crush\noption notifications bell\nprovider servbay base_url http://10.0.0.5:8080/v1\n');
    const r = await doctor();
    expect(r.findings.find((f) => f.id === 'shadow.crush-data')).toMatchObject({ severity: 'error', file: data });
    expect(r.findings.find((f) => f.id === 'shadow.crushrc')).toMatchObject({ severity: 'warn' });
    writeFileSync(join(h.home, '.config', 'crush', 'crushrc'), '# provider servbay is commented out\noption notifications bell\n');
    expect(ids((await doctor()).findings)).not.toContain('shadow.crushrc:crush');
  });
});

describe("project files that outrank the new tools' user config", () => {
  it('Pi, Kilo and Droid: a project file selecting another model', async () => {
    await takeOver('pi', 'kilo', 'droid');
    expect(ids((await doctor()).findings).filter((i) => /^shadow\.(pi|kilo|droid)/.test(i))).toEqual([]);
    mkdirSync(join(project, '.pi'), { recursive: true });
    mkdirSync(join(project, '.kilo'), { recursive: true });
    mkdirSync(join(project, '.factory'), { recursive: true });
    writeFileSync(join(project, '.pi', 'settings.json'), JSON.stringify({ defaultProvider: 'anthropic', defaultModel: 'claude-sonnet-4-5' }));
    writeFileSync(join(project, '.kilo', 'kilo.jsonc'), '{\n  // team default\n  "model": "anthropic/claude-sonnet-4-5",\n}\n');
    writeFileSync(join(project, '.factory', 'settings.json'), JSON.stringify({ sessionDefaultSettings: { model: 'gpt-5' } }));
    const r = await doctor({}, { KILO_CONFIG_CONTENT: '{"model":"x/y"}' });
    expect(r.findings.find((f) => f.id === 'shadow.pi-project')).toMatchObject({ severity: 'warn', file: join(project, '.pi', 'settings.json') });
    expect(r.findings.find((f) => f.id === 'shadow.kilo-project')).toMatchObject({ severity: 'error', file: join(project, '.kilo', 'kilo.jsonc') });
    expect(r.findings.find((f) => f.id === 'shadow.kilo-env')).toMatchObject({ severity: 'warn' });
    expect(r.findings.find((f) => f.id === 'shadow.droid-project')).toMatchObject({ severity: 'error', file: join(project, '.factory', 'settings.json') });
  });
});

describe('agent and service', () => {
  it('agent not running → warning; socket dir open to others → error with chmod fix', async () => {
    let r = await doctor();
    expect(r.findings.find((f) => f.id === 'agent.not-running')).toMatchObject({ severity: 'warn', fix: expect.stringMatching(/gwctl service install/) });
    const loc = socketLocation({ home: h.home, env });
    mkdirSync(loc.dir, { recursive: true });
    chmodSync(loc.dir, 0o755);
    r = await doctor();
    expect(r.findings.find((f) => f.id === 'agent.socket-dir')).toMatchObject({ severity: 'error', fix: `chmod 700 '${loc.dir}'` });
  });

  it('a running agent of another version → error; the same version → ok', async () => {
    const agentEnv = { ...env };
    delete (agentEnv as Record<string, string>).GWCTL_NO_AGENT;
    const old = new Agent({ home: h.home, env: agentEnv, version: '0.0.9' });
    await old.start();
    try {
      const r = await doctor();
      const f = r.findings.find((x) => x.id === 'agent.version')!;
      expect(f.severity).toBe('error');
      expect(f.title).toMatch(new RegExp(`gwctl 0\\.0\\.9 \\(pid ${process.pid}\\), this CLI is ${VERSION.replace(/\./g, '\\.')}`));
    } finally {
      await old.stop('test');
    }
    const current = new Agent({ home: h.home, env: agentEnv, version: VERSION });
    await current.start();
    try {
      expect((await doctor()).findings.find((x) => x.area === 'agent')).toMatchObject({ id: 'agent.running', severity: 'ok' });
    } finally {
      await current.stop('test');
    }
  }, 30_000);

  it('no service manager: gwctl agent start is suggested only while no agent runs (issue 16 §4)', async () => {
    const offline = makeStandIns(join(h.home, 'offline'), { systemdState: 'offline' });
    const svc = new Service({
      platform: 'linux',
      home: h.home,
      env: { ...env, PATH: offline.path },
      uid: 1000,
      node: process.execPath,
      script: GWCTL_BIN,
      stopStrayAgent: async () => undefined,
    });
    const serviceFinding = async () => (await doctor({ serviceStatus: () => svc.status() })).findings.find((f) => f.area === 'service');
    expect(await serviceFinding()).toMatchObject({ id: 'service.no-manager', fix: 'gwctl agent start' });
    const agent = await startAgentProc(env);
    try {
      const f = await serviceFinding();
      expect(f?.id).toBe('service.no-manager');
      expect(f?.fix).toBeUndefined();
      expect(f?.title).toMatch(/the agent runs outside a service/);
    } finally {
      await agent.stop();
    }
  }, 30_000);

  it('service: not installed (note), running (ok), its node gone (error)', async () => {
    const tools = join(h.home, 'tools');
    const s = makeStandIns(tools);
    const node = join(h.home, '.nvm', 'versions', 'node', 'v24.0.0', 'bin', 'node');
    mkdirSync(join(node, '..'), { recursive: true });
    copyFileSync('/bin/true', node);
    const svc = new Service({
      platform: 'linux',
      home: h.home,
      env: { ...env, PATH: s.path },
      uid: 1000,
      node,
      script: GWCTL_BIN,
      stopStrayAgent: async () => undefined,
    });
    const status = () => svc.status();
    let r = await doctor({ serviceStatus: status });
    expect(r.findings.find((f) => f.area === 'service')).toMatchObject({ id: 'service.not-installed', severity: 'info', fix: 'gwctl service install' });
    await svc.install();
    r = await doctor({ serviceStatus: status });
    expect(r.findings.find((f) => f.area === 'service')).toMatchObject({ id: 'service.running', severity: 'ok' });
    rmSync(join(h.home, '.nvm'), { recursive: true }); // nvm uninstall 24.0.0
    r = await doctor({ serviceStatus: status });
    const f = r.findings.find((x) => x.area === 'service')!;
    expect(f).toMatchObject({ id: 'service.node-missing', severity: 'error', fix: 'gwctl service install (records the node you run it with)' });
    expect(f.title).toContain(node);
    expect(r.ok).toBe(false);
  });
});
