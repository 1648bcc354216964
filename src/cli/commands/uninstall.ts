/**
 * `gwctl uninstall [--keep-keys] [--yes] [--dry-run] [--json]`: gwctl removed cleanly (issue 11 §2).
 * In order: stop the agent (so nothing re-applies), remove the service, restore every taken-over
 * tool and every `.env` written by `gwctl env --write` (exact restores, under the writer lock),
 * revoke every key gwctl minted (tool keys, revoke-pending ones, named keys) unless --keep-keys,
 * then remove gwctl's own settings, secrets, state, logs and socket directory. Each step says
 * what it did or what it could not do, with the command that finishes it by hand. gwctl's own
 * files stay when a tool could not be restored: the ledger is what a later restore needs.
 */
import { existsSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import type { ToolId } from '../../adapters/index.ts';
import { Engine } from '../../engine/engine.ts';
import { envFilesWritten, restoreEnvFile } from '../../engine/env-file.ts';
import { providerIdsInUse } from '../../engine/takeovers.ts';
import { configuredGateway } from '../../gateway/index.ts';
import { listNamedKeys, revokeNamedKey } from '../../gateway/named-keys.ts';
import { withWriterLock } from '../../home/lock.ts';
import { gwctlPaths, homeFrom, socketLocation } from '../../home/paths.ts';
import { Service, ServiceManagerMissing } from '../../service/index.ts';
import type { Io } from '../../shared/io.ts';
import { redact } from '../../shared/redact.ts';
import { stopAgent } from '../agent-client.ts';
import { JSON_OPTION, UsageError, type CliCommand } from '../command.ts';
import { serviceContext } from './service.ts';

interface Step {
  step: string;
  done: boolean;
  detail: string;
  /** What finishes it by hand, when not done. */
  fix?: string;
}

export const command: CliCommand = {
  name: 'uninstall',
  summary: "remove gwctl: restore every tool and .env, revoke its keys, remove the service, the agent and gwctl's own files",
  usage: 'gwctl uninstall [--keep-keys] [--yes] [--dry-run] [--json]',
  options: {
    'keep-keys': { type: 'boolean', description: 'leave the virtual keys gwctl minted live at the gateway' },
    yes: { type: 'boolean', short: 'y', description: 'do not ask (needed when stdin is not a terminal)' },
    'dry-run': { type: 'boolean', description: 'say what would be done; change nothing' },
    json: JSON_OPTION,
  },
  async run({ values }, { io }) {
    const keepKeys = values['keep-keys'] === true;
    const json = values.json === true;
    const home = homeFrom(io.env);
    const paths = gwctlPaths({ home, env: io.env });
    const loc = socketLocation({ home, env: io.env });
    const tools = existsSync(paths.stateDir) ? await providerIdsInUse(paths.stateDir).catch(() => []) : [];
    const envFiles = existsSync(paths.stateDir) ? await envFilesWritten(paths.stateDir).catch(() => []) : [];
    const named = existsSync(paths.configDir) ? listNamedKeys(paths.configDir) : [];
    const svc = new Service(serviceContext(io));
    const ownDirs = [...new Set([paths.configDir, paths.stateDir, paths.logDir, ...(basename(loc.dir).startsWith('gwctl') ? [loc.dir] : [])])].filter((d) =>
      existsSync(d),
    );
    const plan = [
      'stop the agent',
      `remove the service (${svc.file})`,
      ...tools.map((t) => `restore ${t.tool}${keepKeys ? ' (key kept)' : ' and revoke its key'}`),
      ...envFiles.map((f) => `take the gateway variables out of ${f}`),
      ...(keepKeys ? [] : [...new Set(named.map((k) => k.name))].map((n) => `revoke the named key '${n}'`)),
      ...ownDirs.map((d) => `remove ${d}`),
    ];
    if (values['dry-run'] === true) {
      io.out(
        json
          ? JSON.stringify({ dryRun: true, plan }, null, 2)
          : ['gwctl uninstall --dry-run: nothing changed. It would:', ...plan.map((p) => `  ${p}`)].join('\n'),
      );
      return 0;
    }
    if (values.yes !== true) {
      if (!io.isTTY) throw new UsageError('gwctl uninstall asks before it removes anything: run it in a terminal, or add --yes');
      io.out(['gwctl uninstall will:', ...plan.map((p) => `  ${p}`)].join('\n'));
      if (!(await confirm('Go ahead? [y/N] '))) {
        io.out('nothing changed');
        return 1;
      }
    }

    const steps: Step[] = [];
    // 1. The agent first: it would re-apply what the restores take out.
    try {
      const pid = await stopAgent(loc);
      steps.push({ step: 'agent', done: true, detail: pid ? `stopped (pid ${pid})` : 'not running' });
    } catch (e) {
      steps.push({ step: 'agent', done: false, detail: redact((e as Error).message), fix: 'gwctl agent stop' });
    }
    // 2. The service, so nothing starts it again.
    try {
      const r = await svc.uninstall();
      steps.push({ step: 'service', done: true, detail: r.removed ? `removed ${r.file}` : 'not installed' });
    } catch (e) {
      if (e instanceof ServiceManagerMissing && !existsSync(svc.file))
        steps.push({ step: 'service', done: true, detail: 'not installed (no service manager)' });
      else steps.push({ step: 'service', done: false, detail: redact((e as Error).message), fix: `gwctl service uninstall (or remove ${svc.file})` });
    }
    // 3. Tools, .env files and keys, under the writer lock like every writer.
    let restoredAll = true;
    let pendingLeft: string[] = [];
    if (tools.length || envFiles.length || named.length) {
      try {
        await withWriterLock(paths.stateDir, io.env, async () => {
          const gw = configuredGateway(paths.configDir, io.env);
          const engine = new Engine({ home, env: io.env, stateDir: paths.stateDir, gateway: gw.settings, keys: gw.keys });
          for (const { tool } of tools) {
            const r = await engine.restore(tool as ToolId, { revoke: !keepKeys }).catch((e: Error) => ({ error: redact(e.message), status: null, notes: [] }));
            const ok = !r.error && r.status !== 'taken-over';
            if (!ok) restoredAll = false;
            steps.push({
              step: `restore ${tool}`,
              done: ok,
              detail: ok ? (r.notes?.join('; ') ?? 'restored') : (r.error ?? 'still points at the gateway'),
              ...(ok ? {} : { fix: `gwctl restore ${tool}, then gwctl uninstall again` }),
            });
          }
          for (const f of envFiles) {
            try {
              steps.push({ step: `restore ${f}`, done: true, detail: (await restoreEnvFile(f, { stateDir: paths.stateDir, cwd: '/' })).join('; ') });
            } catch (e) {
              restoredAll = false;
              steps.push({ step: `restore ${f}`, done: false, detail: redact((e as Error).message), fix: `gwctl restore --env ${f}` });
            }
          }
          if (!keepKeys) {
            const retried = await engine.retryPending().catch((e: Error) => [redact(e.message)]);
            pendingLeft = retried.filter((n) => /still not revoked/.test(n));
            if (retried.length) steps.push({ step: 'revoke-pending keys', done: pendingLeft.length === 0, detail: retried.join('; ') });
            for (const name of [...new Set(named.map((k) => k.name))]) {
              try {
                const r = await revokeNamedKey(gw, paths.configDir, name);
                const kept = r.kept.map((k) => `${k.alias}: ${k.why}`);
                steps.push({
                  step: `named key '${name}'`,
                  done: kept.length === 0,
                  detail: [r.revoked.length ? `revoked ${r.revoked.map((k) => k.alias).join(', ')}` : '', ...kept].filter(Boolean).join('; '),
                  ...(kept.length ? { fix: `revoke ${r.kept.map((k) => k.alias).join(', ')} in the gateway's UI` } : {}),
                });
              } catch (e) {
                steps.push({ step: `named key '${name}'`, done: false, detail: redact((e as Error).message), fix: `gwctl keys revoke ${name}` });
              }
            }
          }
        });
      } catch (e) {
        restoredAll = false;
        steps.push({ step: 'restore', done: false, detail: redact((e as Error).message), fix: 'fix what it says, then gwctl uninstall again' });
      }
    }
    // 4. gwctl's own files, unless a restore still needs the ledger.
    if (!restoredAll) {
      steps.push({
        step: "gwctl's files",
        done: false,
        detail: `kept ${ownDirs.join(', ')}: the ledger there is what restoring the rest needs`,
        fix: 'finish the restores above, then gwctl uninstall again',
      });
    } else {
      for (const d of ownDirs) {
        try {
          rmSync(d, { recursive: true, force: true });
          steps.push({ step: `remove ${d}`, done: true, detail: 'removed' });
        } catch (e) {
          steps.push({ step: `remove ${d}`, done: false, detail: redact((e as Error).message), fix: `rm -rf '${d}'` });
        }
      }
      if (pendingLeft.length) {
        steps.push({
          step: 'keys left live',
          done: false,
          detail: `gwctl's record of them is gone with its state: ${pendingLeft.join('; ')}`,
          fix: "delete them in the gateway's UI",
        });
      }
    }
    const failed = steps.filter((s) => !s.done);
    if (json) io.out(JSON.stringify({ steps, ok: failed.length === 0 }, null, 2));
    else {
      for (const s of steps) io.out(`${s.done ? 'done' : 'NOT DONE'}  ${s.step}: ${s.detail}${s.fix ? `\n          to finish by hand: ${s.fix}` : ''}`);
      io.out(
        failed.length
          ? `gwctl uninstall: ${failed.length} step${failed.length > 1 ? 's' : ''} not done (above)`
          : `gwctl uninstall: done. Remove the program itself with: npm uninstall -g gwctl (or delete the checkout)`,
      );
    }
    return failed.length ? 1 : 0;
  },
};

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
