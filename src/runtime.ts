/**
 * The one place where Deno, Bun and the compiled binary differ.
 *
 * @module
 */
import process from "node:process";

/** Which runtime credkit is running on. */
export type RuntimeName = "deno" | "bun" | "node";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** The current runtime. */
export const runtimeName: RuntimeName = g.Deno ? "deno" : g.Bun ? "bun" : "node";

/**
 * True when running as a compiled single binary (`dist/credkit`). Bun's
 * compiled binaries run their entry from the embedded `/$bunfs/` (or
 * `~BUN` on Windows) file system; with `--bytecode`, `import.meta.url` keeps
 * the source path, so `Bun.main` is what tells.
 */
export const isCompiled: boolean = (() => {
  const embedded = (p: unknown) =>
    typeof p === "string" && (p.includes("$bunfs") || p.includes("~BUN"));
  if (runtimeName === "bun") return embedded(g.Bun.main) || embedded(process.argv[1]);
  if (runtimeName === "deno") return import.meta.url.includes("deno-compile-");
  return false;
})();

/** Path of main.ts when running from source (computed on use: it needs node:url). */
export function mainModulePath(): string {
  return process.getBuiltinModule("node:url").fileURLToPath(new URL("../main.ts", import.meta.url));
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

/** The command-line arguments after the program name. */
export function commandLineArgs(): string[] {
  if (runtimeName === "deno") return [...g.Deno.args];
  return process.argv.slice(2);
}

/**
 * `node:child_process` spawn, loaded on first call: `run --no-mask` under Bun
 * starts its child with `Bun.spawn` and never needs the module, which costs
 * start-up time to load.
 *
 * @example
 * ```ts
 * const child = defaultSpawn("ls", ["-l"], { stdio: "inherit" });
 * ```
 */
export const defaultSpawn: typeof import("node:child_process").spawn = ((
  ...args: Parameters<typeof import("node:child_process").spawn>
) =>
  // deno-lint-ignore no-explicit-any
  (process.getBuiltinModule("node:child_process").spawn as any)(
    ...args,
  )) as typeof import("node:child_process").spawn;

/**
 * Ends the process with `code` through the event loop, so the runtime writes
 * out everything still buffered for stdout (Bun's write callbacks can fire
 * before the bytes reach the pipe, and `process.exit()` would drop them). A
 * timer or a keychain call still pending must not delay the exit: after
 * `fallbackMs` the process leaves anyway.
 *
 * @example
 * ```ts
 * exitThroughEventLoop(await main());
 * ```
 */
export function exitThroughEventLoop(code: number, fallbackMs = 250): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), fallbackMs).unref();
}
