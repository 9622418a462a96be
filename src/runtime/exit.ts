/**
 * Leaving the process without losing buffered output, on every runtime.
 *
 * @module
 */
import process from "node:process";

/**
 * Ends the process with `code` through the event loop, so the runtime writes
 * out everything still buffered for stdout (Bun's write callbacks can fire
 * before the bytes reach the pipe, and `process.exit()` would drop them). A
 * timer or a keychain call still pending must not delay the exit: after
 * `fallbackMs` the process leaves anyway.
 *
 * @param code The exit code.
 * @param fallbackMs How long to wait for the event loop before leaving anyway.
 * @default {250} fallbackMs
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
