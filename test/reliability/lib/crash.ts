/**
 * Crash safety: takeover → (drift) → re-apply → restore cycles over every fixture case, each
 * gwctl step run in a child that is SIGKILLed at a random time or at the n-th write
 * (GWCTL_TEST_CRASH_AT=before-rename|after-rename:n). For every step: a reference run (same
 * state, not killed) gives the "after" bytes; the home is rolled back; the killed run must leave
 * each config file parseable and equal to its before or after bytes (keys normalised), the .bak
 * equal to the pre-takeover original, and the ledger readable. Then the step is re-run (what the
 * next start does) and the cycle continues; at the end every file must hold its original bytes.
 */
import { cpSync, existsSync, readFileSync, rmSync, unlinkSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { editorFor } from '../../../src/formats/index.ts';
import { LedgerStore } from '../../../src/engine/ledger.ts';
import { gwctl } from '../../helpers/run.ts';
import { startLiteLLM, type FakeLiteLLM } from '../../helpers/gateways/litellm.ts';
import { fixtureCases, prng, recordOutput, registerKeys, runChild, seedCase, walk, type FixtureCase, type SeededHome } from './common.ts';

export { prng };

export interface CrashStats {
  seed: number;
  cases: number;
  cycles: number;
  steps: number;
  kills: { timer: number; beforeRename: number; afterRename: number };
  /** Children that finished before the kill point was reached. */
  completed: number;
  /** Killed runs whose files equalled the before state / the after state / a mix (multi-file). */
  endedAt: { before: number; after: number; mixed: number };
  /** Ledger left in state 'applying' by a kill (a later step cleaned each one up). */
  applyingLeft: number;
  /** Temp files left next to a config by a kill (and how many of them held a key). */
  tmpLeft: number;
  tmpWithKey: number;
  tmpWithKeyLoose: number;
  /** Keys live at the gateway that no ledger entry refers to, at the end of a cycle. */
  orphanKeys: number;
  /** Runs (killed or not) that exited with an error instead. */
  childErrors: string[];
  /** Violations: file unparseable, neither before nor after, .bak changed, ledger unreadable, final bytes differ. */
  violations: string[];
  ms: number;
}

type Snap = Map<string, string | null>;

function gatewayEnv(gw: FakeLiteLLM): Record<string, string> {
  return { GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey, GWCTL_GATEWAY_TIMEOUT_MS: '5000' };
}

export async function crashCycles(opts: { cycles: number; seed?: number; cases?: FixtureCase[] }): Promise<CrashStats> {
  const t0 = performance.now();
  const seed = opts.seed ?? (Number(process.env.GWCTL_RELIABILITY_SEED) || Date.now() % 1_000_000);
  const rand = prng(seed);
  const gw = await startLiteLLM();
  registerKeys([gw.masterKey]);
  const env = gatewayEnv(gw);
  const everMinted = new Set<string>();
  const noteKeys = () => {
    for (const k of gw.keys.values()) everMinted.add(k.key);
  };
  const stats: CrashStats = {
    seed,
    cases: 0,
    cycles: 0,
    steps: 0,
    kills: { timer: 0, beforeRename: 0, afterRename: 0 },
    completed: 0,
    endedAt: { before: 0, after: 0, mixed: 0 },
    applyingLeft: 0,
    tmpLeft: 0,
    tmpWithKey: 0,
    tmpWithKeyLoose: 0,
    orphanKeys: 0,
    childErrors: [],
    violations: [],
    ms: 0,
  };
  try {
    const cases = await usableCases(opts.cases ?? fixtureCases(), env, everMinted, gw);
    stats.cases = cases.length;
    // How long a child takeover takes, to spread the timer kills over its run.
    const probe = await seedCase(cases[0]!, env);
    const probeRun = await runChild(['takeover', cases[0]!.tool, '--force', '--json'], probe.env);
    noteKeys();
    await gwctl(['restore', cases[0]!.tool], probe.env);
    const childMs = Math.max(150, probeRun.ms);

    for (let c = 0; c < opts.cycles; c++) {
      const kase = cases[c % cases.length]!;
      const h = await seedCase(kase, env);
      const tag = `${kase.tool}/${kase.name} cycle ${c}`;
      const steps: Array<[string, string[]]> = [
        ['takeover', ['takeover', kase.tool, '--force', '--json']],
        ['drift', []],
        ['re-apply', ['takeover', kase.tool, '--force', '--json']],
        ['restore', ['restore', kase.tool, '--json']],
      ];
      for (const [name, args] of steps) {
        if (name === 'drift') {
          // The tool rewrote its config without our settings (what the agent re-applies over).
          for (const [p, orig] of h.original) {
            if (orig === null) rmSync(p, { force: true });
            else writeFileSync(p, orig);
          }
          continue;
        }
        stats.steps++;
        const norm = (s: string | null) => (s === null ? null : normalise(s, everMinted));
        const before = snapshot(h);
        const keysBefore = new Map(gw.keys);
        const snapDir = h.home + '.snap';
        cpSync(h.home, snapDir, { recursive: true, verbatimSymlinks: true });
        const ref = await gwctl(args, h.env);
        recordOutput(ref.stdout + ref.stderr);
        noteKeys();
        if (ref.code !== 0) {
          stats.childErrors.push(`${tag} ${name}: reference run failed: ${ref.stderr.trim()}`);
        }
        const after = snapshot(h);
        // Roll back the home and the gateway, then run the step again and kill it.
        rmSync(h.home, { recursive: true, force: true });
        cpSync(snapDir, h.home, { recursive: true, verbatimSymlinks: true });
        rmSync(snapDir, { recursive: true, force: true });
        gw.keys.clear();
        for (const [k, v] of keysBefore) gw.keys.set(k, v);

        const mode = Math.floor(rand() * 3);
        const childEnv: Record<string, string> = { ...h.env };
        let killAfterMs: number | undefined;
        if (mode === 0) killAfterMs = Math.floor(childMs * (0.3 + 0.8 * rand()));
        else childEnv.GWCTL_TEST_CRASH_AT = `${mode === 1 ? 'before-rename' : 'after-rename'}:${1 + Math.floor(rand() * 6)}`;
        const run = await runChild(args, childEnv, killAfterMs !== undefined ? { killAfterMs } : {});
        noteKeys();
        const killed = run.signal === 'SIGKILL';
        if (killed) {
          if (mode === 0) stats.kills.timer++;
          else if (mode === 1) stats.kills.beforeRename++;
          else stats.kills.afterRename++;
        } else {
          stats.completed++;
          if (run.code !== 0) stats.childErrors.push(`${tag} ${name}: exit ${run.code}: ${run.stderr.trim().slice(0, 300)}`);
        }

        // After the kill: every file parses and is its before or after state.
        const now = snapshot(h);
        let sawBefore = false;
        let sawAfter = false;
        for (const spec of h.specs) {
          const cur = now.get(spec.path) ?? null;
          if (cur !== null) {
            try {
              editorFor(spec.format).parse(cur, spec.path);
            } catch {
              stats.violations.push(`${tag} ${name}: ${spec.path} does not parse after the kill`);
            }
          }
          const b = norm(before.get(spec.path) ?? null);
          const a = norm(after.get(spec.path) ?? null);
          const n = norm(cur);
          if (n === b) sawBefore ||= b !== a;
          else if (n === a) sawAfter = true;
          else stats.violations.push(`${tag} ${name}: ${spec.path} is neither its before nor its after state`);
        }
        if (killed) {
          if (sawBefore && sawAfter) stats.endedAt.mixed++;
          else if (sawAfter) stats.endedAt.after++;
          else stats.endedAt.before++;
        }
        checkBackups(h, tag + ' ' + name, stats);
        try {
          const ledger = await new LedgerStore(join(h.home, '.local', 'state', 'gwctl')).load();
          if (ledger.tools[kase.tool]?.state === 'applying') stats.applyingLeft++;
        } catch (e) {
          stats.violations.push(`${tag} ${name}: ledger unreadable after the kill: ${(e as Error).message}`);
        }
        sweepTemps(h, everMinted, stats);

        // What the next start (or the user re-running the command) does.
        const again = await gwctl(args, h.env);
        recordOutput(again.stdout + again.stderr);
        noteKeys();
        if (again.code !== 0) stats.childErrors.push(`${tag} ${name}: re-run after the kill failed: ${again.stderr.trim().slice(0, 300)}`);
      }
      // End of the cycle: the originals are back, the ledger is empty, no key is left behind.
      for (const [p, orig] of h.original) {
        const cur = existsSync(p) ? readFileSync(p) : null;
        if (!(cur === null ? orig === null : orig !== null && cur.equals(orig))) {
          stats.violations.push(`${tag}: ${p} does not hold its original bytes after restore`);
        }
      }
      const ledger = await new LedgerStore(join(h.home, '.local', 'state', 'gwctl')).load().catch(() => undefined);
      const referenced = new Set(Object.values(ledger?.tools ?? {}).map((e) => e?.keyRef?.alias));
      for (const [alias] of gw.keys) {
        if (!referenced.has(alias)) {
          stats.orphanKeys++;
          gw.keys.delete(alias); // the user revoking it by hand, so the next cycle starts clean
        }
      }
      stats.cycles++;
    }
  } finally {
    noteKeys();
    registerKeys(everMinted);
    await gw.close();
    stats.ms = Math.round(performance.now() - t0);
  }
  return stats;
}

/** Cases whose takeover works and whose restore gives the original bytes back (others are other tests' concern). */
async function usableCases(all: FixtureCase[], env: Record<string, string>, everMinted: Set<string>, gw: FakeLiteLLM): Promise<FixtureCase[]> {
  const out: FixtureCase[] = [];
  for (const c of all) {
    const h = await seedCase(c, env);
    const a = await gwctl(['takeover', c.tool, '--force'], h.env);
    for (const k of gw.keys.values()) everMinted.add(k.key);
    const b = await gwctl(['restore', c.tool], h.env);
    const same = [...h.original].every(([p, o]) => (existsSync(p) ? o !== null && readFileSync(p).equals(o) : o === null));
    if (a.code === 0 && b.code === 0 && same) out.push(c);
    gw.keys.clear();
  }
  return out;
}

function snapshot(h: SeededHome): Snap {
  const s: Snap = new Map();
  for (const spec of h.specs) s.set(spec.path, existsSync(spec.path) ? readFileSync(spec.path, 'utf8') : null);
  return s;
}

function normalise(text: string, keys: Set<string>): string {
  let out = text;
  for (const k of keys) if (out.includes(k)) out = out.replaceAll(k, '<KEY>');
  return out;
}

function checkBackups(h: SeededHome, tag: string, stats: CrashStats): void {
  for (const [p, orig] of h.original) {
    if (orig === null || !existsSync(p + '.bak')) continue;
    if (!readFileSync(p + '.bak').equals(orig)) stats.violations.push(`${tag}: ${p}.bak no longer holds the pre-takeover original`);
  }
}

const TMP = /\.gwctl-\d+-[0-9a-f]+\.tmp$/;

function sweepTemps(h: SeededHome, keys: Set<string>, stats: CrashStats): void {
  const dirs = new Set([...h.specs.map((s) => dirname(s.path)), join(h.home, '.local', 'state', 'gwctl')]);
  for (const d of dirs) {
    for (const f of walk(d)) {
      if (!TMP.test(f)) continue;
      stats.tmpLeft++;
      const text = readFileSync(f, 'utf8');
      if ([...keys].some((k) => text.includes(k))) {
        stats.tmpWithKey++;
        if ((statSync(f).mode & 0o077) !== 0) stats.tmpWithKeyLoose++;
      }
      unlinkSync(f);
    }
  }
}
