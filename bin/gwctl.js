#!/usr/bin/env node
// gwctl's entry point as installed (npm's bin) and as run from a checkout (./gwctl).
// The Node check comes first and uses nothing newer than Node 12, so an old Node says what to do
// instead of failing later with an error about some missing API.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22)) {
  process.stderr.write(
    `gwctl needs Node >= 22.22 (this is ${process.versions.node}): install Node 24 LTS ` +
      '(for example `nvm install 24` or `fnm install 24`, or your package manager), ' +
      'or run ./gwctl from a checkout of gwctl, which fetches Node 24 by itself.\n',
  );
  process.exit(1);
}
// Cache compiled code on disk (Node >= 22.1): later runs skip parsing gwctl's modules.
// process.getBuiltinModule rather than an ES import of node:module, which would evaluate all of
// its exports (source-map support included) on every run. Not for the agent: it starts once and
// runs all day, and the cache's buffers stay resident (0.7 MiB measured, issue 19).
const argv = process.argv.slice(2);
if (!(argv[0] === 'agent' && argv[1] === 'run')) process.getBuiltinModule('node:module').enableCompileCache?.();
// `gwctl status --json` with an agent running: its status file; `status --json --no-agent`: the
// cache the last such run left; either only when it certainly holds now (dist/cli/fast-status.js
// says when). Otherwise, and for everything else, the CLI.
const fast = argv[0] === 'status' && argv.length <= 3 && argv.includes('--json') ? (await import('../dist/cli/fast-status.js')).fastStatus(argv) : undefined;
if (fast !== undefined) process.exitCode = fast;
else {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(argv);
}
