/**
 * Compatibility re-exports of the runtime adapters, which live one per
 * primitive in `src/runtime/` (name, compiled, self_command, args, spawn,
 * exit, socket). New code imports the adapter file itself; this module
 * holds no runtime branch of its own.
 *
 * @example
 * ```ts
 * import { runtimeName } from "./runtime/name.ts";
 * ```
 *
 * @module
 */
export { type RuntimeName, runtimeName } from "./runtime/name.ts";
export { isCompiled } from "./runtime/compiled.ts";
export { BUN_NO_AUTOLOAD, mainModulePath, selfCommand } from "./runtime/self_command.ts";
export { commandLineArgs } from "./runtime/args.ts";
export { defaultSpawn } from "./runtime/spawn.ts";
export { exitThroughEventLoop } from "./runtime/exit.ts";
