/**
 * Called once by `gwctl agent run`, before the agent's modules load. node-ipc imports `node:tls`
 * at the top of its client and server, for a TLS transport gwctl never uses (the agent listens on
 * a Unix socket with `tls: false`), and in a process that runs all day that is about 3 MiB of
 * resident memory for nothing (issue 19, measured with bench/agent.ts).
 *
 * A resolve hook (Node's module.registerHooks, in-thread) points that one import, and only when
 * node-ipc makes it, at agent/unused-module.ts, which refuses clearly if anything ever uses it.
 * No other module's imports change. (node-ipc's `node:dgram` and pino's `worker_threads` are left
 * alone: Node loads both anyway when a server listens, through its cluster module.)
 * test/agent/agent.test.ts checks which modules the agent loads and that it still serves.
 */
let registered = false;

export function leanImports(): void {
  if (registered) return;
  const { registerHooks } = process.getBuiltinModule('node:module') as typeof import('node:module');
  if (typeof registerHooks !== 'function') return; // an older Node: everything loads, nothing breaks
  // Beside this module, in its own extension (dist/ runs .js; the reliability tests run src/ .ts).
  const stub = new URL(`./unused-module${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url).href;
  registerHooks({
    resolve(specifier, context, next) {
      if ((specifier === 'node:tls' || specifier === 'tls') && context.parentURL?.includes('/node_modules/node-ipc/')) return { url: stub, shortCircuit: true };
      return next(specifier, context);
    },
  });
  registered = true;
}
