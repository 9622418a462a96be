/**
 * Assertion helpers for the auth tests (node:assert does not return the error).
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Awaits `fn`, asserts it rejects with an instance of `cls` whose message
 * includes `includes` (when given), and returns the error.
 *
 * @example
 * ```ts
 * const err = await rejectsWith(() => auth.getToken("x"), AuthenticationRequired, "no token");
 * ```
 */
export async function rejectsWith<T extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => T,
  includes?: string,
): Promise<T> {
  try {
    await fn();
  } catch (err) {
    assert.ok(
      err instanceof cls,
      `expected ${cls.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`,
    );
    if (includes) assert.ok(err.message.includes(includes), `"${err.message}" lacks "${includes}"`);
    return err;
  }
  assert.fail(`expected a rejection with ${cls.name}`);
}
