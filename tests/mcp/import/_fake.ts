/**
 * Fake secrets made at run time (nothing token-shaped is committed).
 *
 * @module
 */
import { randomBytes } from "node:crypto";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * `n` random letters and digits (at least one of each).
 *
 * @example
 * ```ts
 * fakeChars(20).length; // 20
 * ```
 */
export function fakeChars(n: number): string {
  const bytes = randomBytes(n);
  let s = "";
  for (const b of bytes) s += ALNUM[b % ALNUM.length];
  return "a1" + s.slice(2);
}

/**
 * A fake secret with `prefix` (e.g. `"ghp_"`) and `n` random characters.
 *
 * @example
 * ```ts
 * fakeToken("ghp_", 36);
 * ```
 */
export function fakeToken(prefix: string, n = 32): string {
  return prefix + fakeChars(n);
}
