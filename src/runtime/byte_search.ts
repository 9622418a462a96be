/**
 * Whether searching bytes directly is fast on this runtime.
 *
 * @module
 */
import { runtimeName } from "./name.ts";

/**
 * Whether `Buffer#indexOf` is a native memory search here (Bun, Node), so
 * that searching bytes directly beats making a string of them (under Deno it
 * is implemented in JavaScript and much slower).
 *
 * @example
 * ```ts
 * const find = nativeByteSearch ? "bytes" : "latin1 string";
 * ```
 */
export const nativeByteSearch: boolean = runtimeName !== "deno";
