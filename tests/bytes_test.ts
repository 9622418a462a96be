import assert from "node:assert/strict";
import { concatBytes } from "../src/bytes.ts";

Deno.test("concatBytes joins chunks in order into a new array", () => {
  const a = new Uint8Array([1, 2]);
  const b = new Uint8Array([]);
  const c = new Uint8Array([3, 4, 5]);
  const joined = concatBytes([a, b, c]);
  assert.deepEqual([...joined], [1, 2, 3, 4, 5]);
  joined[0] = 9;
  assert.equal(a[0], 1, "a copy, not a view");
  assert.deepEqual([...concatBytes([a])], [1, 2]);
  assert.notEqual(concatBytes([a]).buffer, a.buffer);
  assert.equal(concatBytes([]).length, 0);
});

Deno.test("concatBytes takes a known total size", () => {
  const parts = [new TextEncoder().encode("héllo "), new TextEncoder().encode("wörld")];
  const size = parts[0].length + parts[1].length;
  assert.equal(new TextDecoder().decode(concatBytes(parts, size)), "héllo wörld");
});
