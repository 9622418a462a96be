/**
 * Which runtime credkit runs on: Deno, Bun or Node.
 *
 * @module
 */

/** Which runtime credkit is running on. */
export type RuntimeName = "deno" | "bun" | "node";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/**
 * The current runtime.
 *
 * @example
 * ```ts
 * if (runtimeName === "bun") console.error("running under Bun");
 * ```
 */
export const runtimeName: RuntimeName = g.Deno ? "deno" : g.Bun ? "bun" : "node";
