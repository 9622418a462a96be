/**
 * The default process spawner, loaded lazily.
 *
 * @module
 */
import process from "node:process";

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
