/**
 * Byte helpers shared by the modules that assemble output from chunks.
 *
 * @module
 */

/**
 * Joins `chunks` into one new array (a copy, even for a single chunk).
 *
 * @param chunks The pieces, in order.
 * @param size Their total length, when the caller already knows it.
 * @default {the sum of the chunks' lengths} size
 *
 * @example
 * ```ts
 * concatBytes([new Uint8Array([1, 2]), new Uint8Array([3])]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(
  chunks: readonly Uint8Array[],
  size: number = chunks.reduce((n, c) => n + c.length, 0),
): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
