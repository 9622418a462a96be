import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { sha256Hex } from "../../src/config/sha256.ts";

const ROOT = join(import.meta.dirname ?? ".", "..", "..");
const VECTORS: [string, string][] = [
  ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
];

Deno.test("sha256Hex gives the FIPS 180-4 digests under Deno", () => {
  const enc = new TextEncoder();
  for (const [text, hex] of VECTORS) assert.equal(sha256Hex(enc.encode(text)), hex);
  const big = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
  assert.equal(sha256Hex(big), createHash("sha256").update(big).digest("hex"));
});

Deno.test("sha256Hex gives the same digests under Bun (Bun.CryptoHasher)", () => {
  const script = `import { sha256Hex } from ${JSON.stringify(join(ROOT, "src/config/sha256.ts"))};
const big = new Uint8Array(100000).map((_, i) => (i * 31) & 0xff);
console.log(JSON.stringify([sha256Hex(new TextEncoder().encode("abc")), sha256Hex(big)]));`;
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "bun"), ["-e", script], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const big = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
  assert.deepEqual(JSON.parse(r.stdout), [
    VECTORS[1][1],
    createHash("sha256").update(big).digest("hex"),
  ]);
});
