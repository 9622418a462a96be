/**
 * Whether credkit runs as the compiled single binary (`dist/credkit`).
 *
 * @module
 */
import process from "node:process";
import { runtimeName } from "./name.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/**
 * True when running as a compiled single binary (`dist/credkit`). Bun's
 * compiled binaries run their entry from the embedded `/$bunfs/` (or
 * `~BUN` on Windows) file system; with `--bytecode`, `import.meta.url` keeps
 * the source path, so `Bun.main` is what tells.
 *
 * @example
 * ```ts
 * const how = isCompiled ? "binary" : "source";
 * ```
 */
export const isCompiled: boolean = (() => {
  const embedded = (p: unknown) =>
    typeof p === "string" && (p.includes("$bunfs") || p.includes("~BUN"));
  if (runtimeName === "bun") return embedded(g.Bun.main) || embedded(process.argv[1]);
  if (runtimeName === "deno") return import.meta.url.includes("deno-compile-");
  return false;
})();
