/**
 * `gwctl doctor [--json]`: every finding with its fix. Exit 1 when something is broken (an
 * `error` finding), 0 otherwise (warnings and notes included).
 */
import { homeFrom } from '../../home/paths.ts';
import { runDoctor, type DoctorContext, type Finding } from '../../doctor/index.ts';
import { Service } from '../../service/index.ts';
import { VERSION } from '../../shared/version.ts';
import { type Io } from '../../shared/io.ts';
import { serviceContext } from './service.ts';

export const DOCTOR_USAGE = 'Usage: gwctl doctor [--json]';

const MARK: Record<Finding['severity'], string> = { ok: 'ok  ', info: 'note', warn: 'warn', error: 'FAIL' };

export async function run(argv: string[], io: Io, overrides: Partial<DoctorContext> = {}): Promise<number> {
  const unknown = argv.find((a) => a !== '--json');
  if (unknown) {
    io.err(`gwctl: unexpected '${unknown}'\n${DOCTOR_USAGE}`);
    return 2;
  }
  let ctx: DoctorContext;
  try {
    const home = homeFrom(io.env);
    const service = new Service(serviceContext(io));
    ctx = { home, env: io.env, cwd: process.cwd(), version: VERSION, serviceStatus: () => service.status(), ...overrides };
  } catch (e) {
    io.err(`gwctl: ${(e as Error).message}`);
    return 1;
  }
  const report = await runDoctor(ctx);
  if (argv.includes('--json')) {
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
    io.out(errors ? `\n${errors} problem${errors > 1 ? 's' : ''} to fix${warns ? `, ${warns} warning${warns > 1 ? 's' : ''}` : ''}` : `\nno problems found${warns ? ` (${warns} warning${warns > 1 ? 's' : ''})` : ''}`);
  }
  return report.ok ? 0 : 1;
}
