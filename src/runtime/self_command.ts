/**
 * The command line that starts credkit itself again, on every runtime.
 *
 * @module
 */
import process from "node:process";
import { isCompiled } from "./compiled.ts";
import { runtimeName } from "./name.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/**
 * Path of main.ts when running from source (computed on use: it needs node:url).
 *
 * @example
 * ```ts
 * const entry = mainModulePath(); // "/src/credkit/main.ts"
 * ```
 */
export function mainModulePath(): string {
  return process.getBuiltinModule("node:url").fileURLToPath(
    new URL("../../main.ts", import.meta.url),
  );
}

/**
 * Options that keep `bun main.ts` from reading anything from the working
 * directory: no `.env*` autoload (it would override stored credentials and
 * leak into children) and no `bunfig.toml` (a `preload` there would run code
 * inside credkit). The compiled binary is built with the same two off.
 *
 * @example
 * ```ts
 * spawn("bun", [...BUN_NO_AUTOLOAD, "main.ts", "--version"]);
 * ```
 */
export const BUN_NO_AUTOLOAD: readonly string[] = [
  "--no-env-file",
  `--config=${process.platform === "win32" ? "NUL" : "/dev/null"}`,
];

/**
 * The argv that starts credkit itself again (for detached servers and
 * supervisors): the binary alone when compiled, otherwise the runtime plus
 * main.ts (under Bun with {@link BUN_NO_AUTOLOAD}).
 *
 * @example
 * ```ts
 * const [cmd, ...args] = selfCommand();
 * ```
 */
export function selfCommand(): string[] {
  if (isCompiled) return [process.execPath];
  if (runtimeName === "deno") return [g.Deno.execPath(), "run", "-A", mainModulePath()];
  if (runtimeName === "bun") return [process.execPath, ...BUN_NO_AUTOLOAD, mainModulePath()];
  return [process.execPath, "--experimental-strip-types", mainModulePath()];
}
