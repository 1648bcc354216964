/**
 * What node-ipc's `import tls from 'node:tls'` resolves to inside the agent (see
 * agent/lean-imports.ts): the agent serves node-ipc over a Unix socket with `tls: false`, so
 * node-ipc's TLS transport is never started. Anything that still reaches for it gets a clear
 * refusal.
 */
function unsupported(): never {
  throw new Error("not supported in gwctl's agent: node-ipc's TLS transport (not loaded, see src/agent/lean-imports.ts)");
}

const unusedTls = { createServer: unsupported, connect: unsupported };

export default unusedTls;
