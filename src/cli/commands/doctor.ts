/**
 * `gwctl doctor [--json]`: every finding with its fix. Exit 1 when something is broken (an
 * `error` finding), 0 otherwise (warnings and notes included).
 */
import { runDoctor, type DoctorContext, type Finding } from '../../doctor/index.ts';
import { homeFrom } from '../../home/paths.ts';
import { Service } from '../../service/index.ts';
import type { Io } from '../../shared/io.ts';
import { VERSION } from '../../shared/version.ts';
import { JSON_OPTION, UsageError, type CliCommand } from '../command.ts';
import { serviceContext } from './service.ts';

const MARK: Record<Finding['severity'], string> = { ok: 'ok  ', info: 'note', warn: 'warn', error: 'FAIL' };

export const command: CliCommand = {
  name: 'doctor',
  summary: "check the agent, service, gateway and each tool's route",
  usage: 'gwctl doctor [--json]',
  options: { json: JSON_OPTION },
  async run({ values, positionals }, { io }) {
    if (positionals.length) throw new UsageError(`unexpected '${positionals[0]}'`);
    return doctor({ json: values.json === true }, io);
  },
};

/** The doctor with parts of its context replaced (tests). */
export async function doctor({ json }: { json: boolean }, io: Io, overrides: Partial<DoctorContext> = {}): Promise<number> {
  const home = homeFrom(io.env);
  const service = new Service(serviceContext(io));
  const ctx: DoctorContext = { home, env: io.env, cwd: process.cwd(), version: VERSION, serviceStatus: () => service.status(), ...overrides };
  const report = await runDoctor(ctx);
  if (json) {
    io.out(JSON.stringify(report, null, 2));
  } else {
    const areas = ['agent', 'service', 'gateway', 'tool'] as const;
    for (const area of areas) {
      const fs = report.findings.filter((f) => f.area === area);
      if (!fs.length) continue;
      io.out(`${area === 'tool' ? 'tools' : area}:`);
      for (const f of fs) {
        io.out(`  ${MARK[f.severity]}  ${f.title}`);
        if (f.fix && f.severity !== 'ok') io.out(`        fix: ${f.fix}`);
      }
    }
    const errors = report.findings.filter((f) => f.severity === 'error').length;
    const warns = report.findings.filter((f) => f.severity === 'warn').length;
    io.out(
      errors
        ? `\n${errors} problem${errors > 1 ? 's' : ''} to fix${warns ? `, ${warns} warning${warns > 1 ? 's' : ''}` : ''}`
        : `\nno problems found${warns ? ` (${warns} warning${warns > 1 ? 's' : ''})` : ''}`,
    );
  }
  return report.ok ? 0 : 1;
}
