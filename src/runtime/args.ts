/**
 * The command-line arguments, on every runtime.
 *
 * @module
 */
import process from "node:process";
import { runtimeName } from "./name.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/**
 * The command-line arguments after the program name.
 *
 * @example
 * ```ts
 * const argv = commandLineArgs(); // ["show", "aws"]
 * ```
 */
export function commandLineArgs(): string[] {
  if (runtimeName === "deno") return [...g.Deno.args];
  return process.argv.slice(2);
}
