/**
 * A parser package loaded on first use, not when the format module is imported: the agent imports
 * every format editor, but most users have no YAML or JSON5 config, and a package's source and
 * bytecode stay resident in a process that runs all day (issue 19). Synchronous (`require`, which
 * also loads an ES module package in Node >= 22.12), because the editors are.
 */
export function lazyPackage<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= process.getBuiltinModule('node:module').createRequire(import.meta.url)(specifier) as T);
}
