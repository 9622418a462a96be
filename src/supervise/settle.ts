/**
 * Bounded waiting that leaves no timer behind.
 *
 * @module
 */

/**
 * Waits for `promise`, at most `ms`; the timer never outlives the wait (a
 * pending timer would hold the process open after the work is done).
 *
 * @example
 * ```ts
 * await settleWithin(Promise.all(relays), 1000);
 * ```
 */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
