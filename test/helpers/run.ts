/** Run the CLI in-process with a captured stdout/stderr and a given environment. */
import { main } from '../../src/cli/main.ts';
import { agentStarted } from './home.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  json(): {
    tools: Array<{
      id: string;
      status: string | null;
      configPath: string;
      address: string | null;
      action?: string;
      notes?: string[];
      error?: string;
      detail?: string;
    }>;
  };
}

/**
 * `gwctl ARGS` as a user runs it: status, takeover, restore and rotate go through the agent,
 * which the first such command starts in the background (TempHome.cleanup stops it). A test
 * about the in-process road passes `--no-agent` or GWCTL_NO_AGENT=1.
 */
export async function gwctl(args: string[], env: Record<string, string | undefined>, stdin?: string): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    out: (s) => (stdout += s + '\n'),
    err: (s) => (stderr += s + '\n'),
    env,
    ...(stdin !== undefined ? { stdin: async () => stdin } : {}),
  });
  const autostarted = /no agent was running; started one in the background \(pid (\d+)\)/.exec(stderr);
  if (autostarted && env.HOME) agentStarted(env.HOME, Number(autostarted[1]));
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}
