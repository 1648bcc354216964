#!/usr/bin/env node
// Cache compiled code on disk (Node >= 22.1): later runs skip parsing gwctl's modules.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
