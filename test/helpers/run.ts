/** Run the CLI in-process with a captured stdout/stderr and a given environment. */
import { main } from '../../src/cli/main.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  json(): { tools: Array<{ id: string; status: string | null; configPath: string; address: string | null; action?: string; notes?: string[]; error?: string; detail?: string }> };
}

/** In-process engine (GWCTL_NO_AGENT=1) unless the caller's env says otherwise. */
export async function gwctl(args: string[], env: Record<string, string | undefined>, stdin?: string): Promise<RunResult> {
  env = { GWCTL_NO_AGENT: '1', ...env };
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (s) => (stdout += s + '\n'), err: (s) => (stderr += s + '\n'), env, ...(stdin !== undefined ? { stdin: async () => stdin } : {}) });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}
