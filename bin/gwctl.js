#!/usr/bin/env node
// Cache compiled code on disk (Node >= 22.1): later runs skip parsing gwctl's modules.
// process.getBuiltinModule rather than an ES import of node:module, which would evaluate all of
// its exports (source-map support included) on every run.
process.getBuiltinModule('node:module').enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
