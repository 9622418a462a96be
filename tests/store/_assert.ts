/**
 * Small assertion helpers for the store tests, on top of `node:assert`.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/**
 * Asserts that `condition` is truthy.
 *
 * @example
 * ```ts
 * assert(list.length === 2, "two entries");
 * ```
 */
export function assert(condition: unknown, message?: string): asserts condition {
  nodeAssert.ok(condition, message);
}

/**
 * Asserts deep, strict equality.
 *
 * @example
 * ```ts
 * assertEquals(await store.get("aws"), { region: "x" });
 * ```
 */
export function assertEquals<T>(actual: unknown, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/**
 * Asserts that `fn` rejects with an instance of `cls`, and returns the error.
 *
 * @example
 * ```ts
 * const err = await assertRejects(() => store.get("x"), CredkitError);
 * ```
 */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    nodeAssert.ok(
      err instanceof cls,
      `expected ${cls.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`,
    );
    return err;
  }
  throw new nodeAssert.AssertionError({ message: `expected a rejection with ${cls.name}` });
}

/**
 * Asserts that no secret in `secrets` appears in `text` (the secret itself is
 * never printed).
 *
 * @example
 * ```ts
 * assertNoSecret(stderr, ["hf_abc"]);
 * ```
 */
export function assertNoSecret(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    if (secret && text.includes(secret)) {
      throw new nodeAssert.AssertionError({
        message: `a secret value (length ${secret.length}) appears in captured output`,
      });
    }
  }
}
