/** `gwctl takeover (TOOL…|--all) [--force]`: point tools at the gateway. */
import { UsageError, type CliCommand } from '../command.ts';
import { ALL_OPTION, DRY_RUN_OPTION, runToolCommand, TOOL_OPTIONS } from '../tools.ts';

export const command: CliCommand = {
  name: 'takeover',
  summary: 'point tools at the gateway (--force: also tools connected to another address)',
  usage: 'gwctl takeover (TOOL…|--all) [--force] [--model ID] [--dry-run] [--json]',
  options: {
    all: ALL_OPTION,
    force: { type: 'boolean', short: 'f', description: 'also take over a tool connected to another address (restore puts it back)' },
    model: {
      type: 'string',
      value: 'ID',
      description:
        "the model to set in every tool (one the gateway serves); default: keep each tool's model when served, else gateway.defaultModel or the first listed",
    },
    'dry-run': DRY_RUN_OPTION,
    ...TOOL_OPTIONS,
  },
  run(args, { io }) {
    const model = args.values.model;
    if (typeof model === 'string' && !/^[\w][\w.:/@+-]{0,199}$/.test(model)) throw new UsageError(`--model '${model}' is not a model id`);
    // The chosen model travels like the other one-off gateway variables (also through the agent).
    return runToolCommand('takeover', args, typeof model === 'string' ? { ...io, env: { ...io.env, GWCTL_GATEWAY_MODEL: model } } : io);
  },
};
